"""check() at network scale: every finite difference in batches, and the closed forms.

1. micrograd's demo loss (``engine.demo``: MLP(2, [16, 16, 1]), 100 moons samples,
   SVM loss; 65,818 nodes, 337 parameters and 200 inputs, 537 variables):
   - engine: ``check(loss)``: a finite difference for every variable, batched (one
     evaluation of the graph per step size, ``explorer.batched``), and the
     whole-gradient line; the median of 3 calls (target: under 3 s);
   - engine, one at a time: ``explorer.difference.difference`` per variable, as
     check did before, on an even sample of 20 variables, scaled to all 537;
   - pytorch: ``torch.autograd.gradcheck`` of the same loss over the parameters
     (float64, one thread): its numerical Jacobian takes 2 forward passes per
     parameter, vectorised over the samples (a peer, not the same work: no error
     bounds, no kinks, the 200 inputs not checked).
   Agreement: check's report agrees everywhere, and covers all 537 variables.
2. the same network's loss on the first sample alone (1,662 nodes): ``check(loss)``
   on a fresh graph with the closed-form column filled for all 339 variables,
   against the same check without it (``max_symbolic=1``): the median of 5 fresh
   graphs each (target: all closed forms in check under 1 s).

Times are CPU times of this process (``time.process_time``): steadier than wall
time on a shared machine; PyTorch runs on one thread.

    python tests/benchmarks/bench_check.py [--quick]
"""

import time

import _common as C

FD_TARGET = 3.0  # s: check of the full moons loss, every finite difference
CLOSED_TARGET = 1.0  # s: every closed form of the one-sample loss, in check
BENCH_FULL = "check: moons loss, 100 samples (65,818 nodes, 537 variables)"
BENCH_ONE = "check: moons loss, 1 sample (1,662 nodes, 339 variables)"
MEASURE_FD = "CPU time, check (every finite difference)"
MEASURE_CLOSED = "CPU time, check with every closed form"


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2], f"median of {len(xs)}: {xs[0]:.3g} to {xs[-1]:.3g} s"


def full_loss():
    from engine.demo import setup, svm_loss

    model, X, y = setup()
    loss, _ = svm_loss(model, X, y)
    model.zero_grad()
    loss.backward()
    return model, X, y, loss


def torch_gradcheck(model, X, y):
    """The same loss in PyTorch (float64, one thread), and gradcheck's time over the
    parameters; the twin's gradient is held to backprop's first."""
    import torch

    torch.set_num_threads(1)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    params = []
    for layer in model.layers:
        W = [[w.data for w in n.w] for n in layer.neurons]
        b = [n.b.data for n in layer.neurons]
        params += [torch.tensor(W, dtype=torch.float64, requires_grad=True),
                   torch.tensor(b, dtype=torch.float64, requires_grad=True)]  # fmt: skip
    last = len(params) // 2 - 1

    def loss(*ps):
        h = Xt
        for i in range(0, len(ps), 2):
            h = h @ ps[i].T + ps[i + 1]
            h = torch.relu(h) if i // 2 < last else h
        losses = torch.relu(1 - yt * h[:, 0])
        return losses.sum() * (1.0 / len(losses)) + 1e-4 * sum((p * p).sum() for p in ps)

    loss(*params).backward()
    mine = [p.grad for layer in model.layers for n in layer.neurons for p in n.w + [n.b]]
    theirs = []
    for i in range(0, len(params), 2):
        for j in range(params[i].shape[0]):
            theirs += params[i].grad[j].tolist() + [params[i + 1].grad[j].item()]
    worst = max(abs(a - b) / max(abs(a), abs(b), 1e-300) for a, b in zip(mine, theirs))
    t = time.process_time()
    ok = torch.autograd.gradcheck(loss, params, eps=1e-6, atol=1e-5, rtol=1e-3,
                                  raise_exception=False)  # fmt: skip
    return time.process_time() - t, ok, worst


def full(quick):
    from engine import topo_order
    from explorer import check
    from explorer.difference import difference

    model, X, y, loss = full_loss()
    order = topo_order(loss)
    index = {v: i for i, v in enumerate(order)}
    variables = [v for v in order if v.is_variable]
    times, report = [], None
    for _ in range(1 if quick else 3):
        t = time.process_time()
        report = check(loss)
        times.append(time.process_time() - t)
    t_check, spread = median(times)
    rows = [C.row(BENCH_FULL, "engine", MEASURE_FD, t_check, "s",
                  note=spread, anchors=("engine, one at a time", "pytorch"))]  # fmt: skip
    n_fd = sum(r.finite_diff is not None for r in report.rows)
    cover = f"{n_fd} of {len(variables)} variables; direction: {report.direction.verdict}"
    good = report.ok and n_fd == len(variables)
    rows.append(C.row(BENCH_FULL, "engine", "finite differences checked", cover,
                      flag="" if good else "MISMATCH"))  # fmt: skip
    flag = "" if t_check < FD_TARGET else "NOT MET"
    rows.append(C.row(BENCH_FULL, "engine", f"check under {FD_TARGET:g} s",
                      f"{t_check:.2f} s", flag=flag))  # fmt: skip
    sample = variables[:: max(1, len(variables) // (5 if quick else 20))]
    t = time.process_time()
    for v in sample:
        difference(loss, v, order[index[v] + 1 :], 1e-5)
    one = (time.process_time() - t) * len(variables) / len(sample)
    rows.append(C.row(BENCH_FULL, "engine, one at a time", MEASURE_FD,
                      one, "s", note=f"{len(sample)} differences timed, scaled to "
                      f"{len(variables)}"))  # fmt: skip
    try:
        t_torch, ok, worst = torch_gradcheck(model, X, y)
    except ImportError:
        rows.append(C.row(BENCH_FULL, "pytorch", MEASURE_FD,
                          "torch not installed"))  # fmt: skip
    else:
        rows.append(C.row(BENCH_FULL, "pytorch", MEASURE_FD,
                          t_torch, "s", note=f"torch.autograd.gradcheck over the 337 "
                          f"parameters: {'passes' if ok else 'fails'}"))  # fmt: skip
        rows.append(C.row(BENCH_FULL, "pytorch", "twin's gradient vs backprop's",
                          f"max rel diff {worst:.1e}",
                          flag="" if worst <= 1e-9 else "MISMATCH"))  # fmt: skip
    return rows


def one_sample(quick):
    from engine.demo import setup, svm_loss
    from explorer import check

    model, X, y = setup()

    def fresh():
        loss, _ = svm_loss(model, X[:1], y[:1])
        model.zero_grad()
        loss.backward()
        return loss

    with_closed, without, report = [], [], None
    for _ in range(1 if quick else 5):
        loss = fresh()
        t = time.process_time()
        report = check(loss)
        with_closed.append(time.process_time() - t)
        loss = fresh()
        t = time.process_time()
        check(loss, max_symbolic=1)
        without.append(time.process_time() - t)
    t_with, spread = median(with_closed)
    t_without, spread2 = median(without)
    n = sum(r.closed_form is not None for r in report.rows)
    rows = [
        C.row(BENCH_ONE, "engine", MEASURE_CLOSED, t_with, "s",
              note=f"fresh graph each: grad_expr of all, compiled, evaluated; {spread}"),
        C.row(BENCH_ONE, "engine, no closed forms", MEASURE_CLOSED,
              t_without, "s", note=f"max_symbolic=1: finite differences only; {spread2}"),
    ]  # fmt: skip
    good = report.ok and n == len(report.rows) == 339
    rows.append(C.row(BENCH_ONE, "engine", "closed forms filled",
                      f"{n} of {len(report.rows)}", flag="" if good else "MISMATCH"))  # fmt: skip
    closed = t_with - t_without
    flag = "" if t_with < CLOSED_TARGET else "NOT MET"
    rows.append(C.row(BENCH_ONE, "engine", f"check with closed forms under {CLOSED_TARGET:g} s",
                      f"{t_with:.2f} s (closed forms' share {closed:.2f} s)",
                      flag=flag))  # fmt: skip
    return rows


def main():
    args = C.parse(C.parser(__doc__.split("\n")[0]))
    rows = full(args.quick) + one_sample(args.quick)
    C.emit(rows, args.json)


if __name__ == "__main__":
    main()
