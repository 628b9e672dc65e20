"""The cell-key method (product.md §7): every published figure carries consistent noise.

As in ABS TableBuilder and the ONS Census 2021, each enrollment has a fixed *record key*,
a number no reader can know (a hash of its id and pseudonym, which analysts never see).
A cell's key is the sum of the record keys of the persons counted in it, so the same
persons always get the same key, in any period, scope or `as_of` that counts them, and
thus the same noise: asking again, or for an overlapping table, draws nothing new.

- A count c ≥ 1 is published as max(1, c + noise), noise in −D..D (D = `max_noise`). A
  zero is published as 0, except that one zero cell in twenty (chosen by the cell's place,
  the same in every answer) is published as 1, which is then hidden: so a hidden value may
  be 0, and no reader can rule that out. Published 0 means exactly nobody, as SCB's "–".
- A count published below min_cell_size is hidden; the disclosure module decides that.
- A mean or median moves by noise × scale / n: one person's value cannot be had by
  differencing two means, n being unknown and the sums never published.

D is chosen so that a count shown or derived as 1..k−1 never pins a person: the interval
c' ± D always reaches 0 or k (D = ⌈(k − 1) / 2⌉, 2 for the default k = 5).
"""

from __future__ import annotations

from hashlib import blake2b

from service.domain.facts import EnrollmentFacts

KEY_BITS = 32
KEY_MASK = (1 << KEY_BITS) - 1
# Noise by table position, 256 positions: zero-mean and symmetric; P(0) = 0.4,
# P(±1) = 0.2 each, P(±2) = 0.1 each for D = 2 (wider D spreads the same shape).
# Zero cells published as 1 (and so hidden): 13 of 256 places, about one in twenty.
ZERO_HIDDEN_POSITIONS = 13


def max_noise(min_cell_size: int) -> int:
    """The largest noise on a count: enough that c' ± D always leaves 1..k−1, and never
    below 2, as with D = 1 (k = 2 or 3) the attacker's programme pinned counts in most
    small förbund (decisions.md §36)."""
    if min_cell_size <= 1:
        return 0
    return max(2, min_cell_size // 2)


def _table(bound: int) -> tuple[int, ...]:
    """The perturbation table of one bound: 256 noises, symmetric, so zero-mean. For D = 2,
    P(0) ≈ 0.4, P(±1) ≈ 0.2 and P(±2) ≈ 0.1 each; a wider D spreads the outer 0.1."""
    if bound == 0:
        return (0,) * 256
    side = {1: 51} if bound > 1 else {1: 77}
    for noise in range(2, bound + 1):
        side[noise] = 26 // (bound - 1)
    table = [-n for n in sorted(side, reverse=True) for _ in range(side[n])]
    table += [n for n in sorted(side) for _ in range(side[n])]
    zeros = 256 - len(table)
    middle = len(table) // 2
    return tuple(table[:middle] + [0] * zeros + table[middle:])


_TABLES = {bound: _table(bound) for bound in range(0, 51)}


# Record keys already computed in this process: enrollment id → (pseudonym, key). An
# answer asks for each enrollment's key several times, and the next answer for most of
# them again; a corrected pseudonym is another key, computed afresh.
_RECORD_KEYS: dict[str, tuple[str, int]] = {}
_RECORD_KEYS_KEPT = 1 << 16  # ≈ 6 MB at most; emptied when full


def record_key(fact: EnrollmentFacts) -> int:
    """An enrollment's fixed, unguessable record key."""
    kept = _RECORD_KEYS.get(fact.enrollment_id)
    if kept is not None and kept[0] == fact.pseudonym:
        return kept[1]
    seed = f"{fact.enrollment_id}\x00{fact.pseudonym}".encode()
    key = int.from_bytes(blake2b(seed, digest_size=4).digest(), "big")
    if len(_RECORD_KEYS) >= _RECORD_KEYS_KEPT:
        _RECORD_KEYS.clear()
    _RECORD_KEYS[fact.enrollment_id] = (fact.pseudonym, key)
    return key


def text_key(text: str) -> int:
    """A record key for a reported count (anonymous participants, activities)."""
    return int.from_bytes(blake2b(text.encode(), digest_size=4).digest(), "big")


def _position(cell_key: int, salt: int) -> int:
    """The table position of a cell key: mixed, so nearby sums land far apart."""
    mixed = ((cell_key & KEY_MASK) ^ salt) * 0x9E3779B1 & KEY_MASK
    return mixed >> 24


def count_noise(cell_key: int, bound: int) -> int:
    """The noise a count with this cell key gets."""
    return _TABLES[bound][_position(cell_key, 0)]


def perturbed_count(value: int, cell_key: int, bound: int, place_key: int | None = None) -> int:
    """A count as published: consistent noise; a positive stays positive; a zero is 0, or,
    for a published cell (with its place key), 1 (to be hidden) at one place in twenty."""
    if bound == 0:
        return value
    if value == 0:
        hide = place_key is not None and _position(place_key, 0x27D4EB2F) < ZERO_HIDDEN_POSITIONS
        return 1 if hide else 0
    return max(1, value + count_noise(cell_key, bound))


def perturbed_statistic(value: float | None, n: int, cell_key: int, scale: float) -> float | None:
    """A mean or median over n persons, moved by noise × scale / n."""
    if value is None or n == 0 or scale == 0:
        return value
    noise = _TABLES[2][_position(cell_key, 0x5BD1E995)]
    return value + noise * scale / n
