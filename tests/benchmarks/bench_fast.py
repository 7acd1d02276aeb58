"""What each of engine.fast's paths gains over the reference definitions.

micrograd's moons demo (``MLP(2, [16, 16, 1])``, micrograd's graph, 100 samples): one
training step's CPU time (build the loss, ``zero_grad``, ``backward()``, the update),
collector on, with the reference definitions of ``engine.value`` only, with each fast
path of ``engine.fast`` alone, and with all of them (the default). Every configuration
runs the same steps from the same network in the same process, in turn, so the load
of a shared machine falls on all alike; the losses must agree to the last bit.

    python tests/benchmarks/bench_fast.py [--quick] [--steps N]
"""

import _common as C

BENCH = "fast paths (moons demo step, micrograd's graph)"


def configs(fast):
    """name -> the methods left at their reference definition."""
    build = tuple(name for name in fast.methods() if name != "backward")
    return {
        "reference": None,
        "fast building only": ("backward",),
        "fast sweep only": build,
        "all fast (default)": (),
    }


def main():
    args = C.parse(C.parser(__doc__.split("\n")[0]))
    steps = args.steps or (3 if args.quick else 8)
    import statistics
    import time

    from engine import fast
    from engine.demo import setup, svm_loss

    CONFIGS = configs(fast)
    model, X, y = setup()
    times = {name: [] for name in CONFIGS}
    losses = {name: [] for name in CONFIGS}
    start = [p.data for p in model.parameters()]
    for _ in range(steps):  # the configurations interleaved, step by step
        for name, names in CONFIGS.items():
            for p, w in zip(model.parameters(), start):
                p.data = w
            with fast.reference(names):
                t = time.process_time()
                loss, _ = svm_loss(model, X, y)
                model.zero_grad()
                loss.backward()
                for p in model.parameters():
                    p.data -= 0.5 * p.grad
                times[name].append(time.process_time() - t)
            losses[name].append(loss.data)
            del loss
    rows = []
    ref = statistics.median(times["reference"])
    for name in CONFIGS:
        t = statistics.median(times[name])
        same = losses[name] == losses["reference"]
        rows.append(C.row(BENCH, name, "CPU time per step, median", t, "s",
                          flag="" if same else "MISMATCH",
                          note=f"{ref / t:.2f}x the reference" if name != "reference" else
                          f"median of {steps}; losses equal bit for bit across all"))  # fmt: skip
        print(f"{name:22s} {t * 1e3:8.1f} ms/step  {ref / t:5.2f}x   losses equal: {same}")
    C.emit(rows, args.json)


if __name__ == "__main__":
    main()
