"""``add(*terms)`` and ``mul(*factors)``: exactly ``sympy.Add(*terms)`` and
``sympy.Mul(*factors)``, made fast for the sums and products a sweep builds.

SymPy canonicalises every sum and product it makes (``Add.flatten``, ``Mul.flatten``):
it gathers like terms and equal bases, asks the assumptions system about each
argument, and sorts. For the closed forms of a network almost none of that finds
anything to do: the terms of an adjoint are distinct paths, the factors of a path
distinct nodes. So when the arguments are plain (finite numbers and commutative
expressions, nothing SymPy rewrites), the canonical result is made without the
search: the numbers folded into one coefficient, like terms' coefficients added,
a symbol's integer powers added (p*p is p**2), a number distributed over a sum as
SymPy distributes it, and the rest in SymPy's own sort order (``Basic.compare``),
handed to ``_from_args`` as ``flatten`` would hand them: linear in the terms where
SymPy's search compares them pairwise (``bench_symbolic.py`` measures the gain).

Anything else goes to SymPy's own constructor, so the result is always SymPy's:
``tests/test_canonical.py`` holds the two equal, ``srepr`` for ``srepr``, on random
sums and products of the kinds the sweep meets and of the kinds it must refuse.
"""

import sympy
from sympy.core.basic import Basic, _args_sortkey
from sympy.core.parameters import global_parameters

_S = sympy.S
_ZERO, _ONE = _S.Zero, _S.One
_ADD, _MUL, _EXPR = sympy.Add, sympy.Mul, sympy.Expr  # a fallback calls sympy.Add itself


def _plain(x):
    """Neither a number nor anything ``flatten`` treats apart: an Order term, an
    imaginary unit, something non-commutative, a power of a number, ..."""
    return (
        isinstance(x, _EXPR)
        and not x.is_Order
        and x is not _S.ImaginaryUnit
        and x is not _S.ComplexInfinity
        and not (x.is_Pow and x.base.is_Number)
        and not x.is_Matrix
        and type(x).__name__ != "AccumulationBounds"
        and x.is_commutative is True
    )


def _factor(x):
    """A factor of a product as SymPy leaves one: plain, not a number, not a product."""
    return not x.is_Number and not x.is_Mul and _plain(x)


_NOT_FINITE = frozenset([_S.NaN, _S.Infinity, _S.NegativeInfinity, _S.ComplexInfinity])


def _finite_number(x):
    """A Number that is finite (without the assumptions system: SymPy makes Float
    infinities the singletons oo and -oo)."""
    return x.is_Number and x not in _NOT_FINITE


_POSTPROCESSED = {}  # {type: whether SymPy post-processes a sum or product holding one}


def _postprocessed(t):
    if t not in _POSTPROCESSED:
        mapping = Basic._constructor_postprocessor_mapping
        _POSTPROCESSED[t] = any(c in mapping for c in t.__mro__)
    return _POSTPROCESSED[t]


def _done(cls, args):
    """What AssocOp.__new__ makes of arguments flatten has put in order."""
    if not args:
        return cls.identity
    if len(args) == 1:
        return args[0]
    obj = cls._from_args(args, True)
    if any(_postprocessed(type(a)) for a in args):
        obj = cls._exec_constructor_postprocessors(obj)
    return obj


def _sympified(xs, identity):
    return [x if isinstance(x, Basic) else sympy.sympify(x) for x in xs if x is not identity]


def add(*terms):
    """``sympy.Add(*terms)``."""
    terms = _sympified(terms, _ZERO)
    if not global_parameters.evaluate or len(terms) < 2:
        return sympy.Add(*terms)
    coeff, like = _ZERO, {}  # {term without its coefficient: [coefficient, term]}
    seq = list(terms)
    for t in seq:  # a sum's terms join the end, as in Add.flatten (Floats add in its order)
        if t.is_Number:
            if not _finite_number(t):
                return sympy.Add(*terms)
            coeff = t if coeff is _ZERO and t else coeff + t  # 0 + 0.0 is 0 in SymPy
        elif t.is_Add:
            seq.extend(t.args)
        elif _plain(t):
            if t.is_Mul and t.args[0].is_Number:  # c*s is like s: keyed by s
                c, rest = t.args[0], t.args[1:]
                if c is _ONE or not c or not _finite_number(c) or not all(map(_factor, rest)):
                    return sympy.Add(*terms)  # not a product as SymPy makes one
                key = rest[0] if len(rest) == 1 else rest
            else:
                c, key = _ONE, t.args if t.is_Mul else t
            seen = like.get(key)
            if seen is None:
                like[key] = [c, t]
            else:  # like terms: their coefficients add up, as in Add.flatten
                seen[0] += c
                seen[1] = None
        else:
            return sympy.Add(*terms)
    out = []
    for key, (c, t) in like.items():
        if t is None:  # gathered: c times the rest, made as Add.flatten makes it
            if not c:
                continue
            if type(key) is tuple:  # the rest of a product, its factors as they were
                t = _done(_MUL, key if c is _ONE else (c, *key))
            elif c is _ONE:
                t = key
            else:
                t = _done(_MUL, (c, key)) if key.is_Add else mul(c, key)
        out.append(t)
    out.sort(key=_args_sortkey)
    if coeff is not _ZERO:
        out.insert(0, coeff)
    return _done(_ADD, out)


def _power(f, powers):
    """f, or its base's gathered power if its base is a symbol."""
    b = f.as_base_exp()[0]
    return b ** powers[b] if b.is_Symbol else f


def mul(*factors):
    """``sympy.Mul(*factors)``."""
    factors = _sympified(factors, _ONE)
    if not global_parameters.evaluate or len(factors) < 2:
        return sympy.Mul(*factors)
    a, b = factors[0], factors[-1]
    if len(factors) == 2 and (a.is_Rational or b.is_Rational):
        # Mul.flatten's two-argument case: a rational times a sum is distributed
        if (b if a.is_Rational else a).as_coeff_Mul()[1].is_Add:
            return sympy.Mul(*factors)
    coeff, powers, out, gathered = _ONE, {}, [], False  # powers: {base: exponent}
    seq = list(factors)
    for f in seq:  # a product's factors join the end, as in Mul.flatten
        if f.is_Number:
            if not _finite_number(f):
                return sympy.Mul(*factors)
            coeff = f if coeff is _ONE and f else coeff * f
        elif f.is_Mul and f.is_commutative:
            seq.extend(f.args)
        elif _plain(f):
            base, e = f.as_base_exp()  # exp(x) is E**x: exp(a)*exp(b) is gathered
            if base not in powers:
                powers[base] = e
                out.append(f)
            elif base.is_Symbol and e.is_Integer and powers[base].is_Integer:
                powers[base] += e  # p*p is p**2: a symbol's integer powers add up
                gathered = True
            else:  # other equal bases: SymPy's gathering is subtler
                return sympy.Mul(*factors)
        else:
            return sympy.Mul(*factors)
    if gathered:  # a symbol's factors are one power now (x**0 is gone, x**1 is x)
        out = [_power(f, powers) for f in out]
        out = [f for f in out if f is not _ONE]
    if not coeff:  # 0 * oo is nan: SymPy asks each factor whether it is finite
        return sympy.Mul(*factors)
    out.sort(key=_args_sortkey)
    if coeff is not _ONE:
        if len(out) == 1 and out[0].is_Add and global_parameters.distribute:
            return add(*[mul(coeff, t) for t in out[0].args])  # 2*(x + y) is 2*x + 2*y
        out.insert(0, coeff)
    return _done(_MUL, out)
