"""The measures of product.md §6 and disclosure control (§7): pure, no IO.

Imports only `service.domain`. The application hands in one association's enrollment
facts, count reports and finances for a period (application/queries.py reads them from
the read models) and gets back the statistics answer of §8, ready for JSON.

Start reading at `definitions.py`: one short function per measure, its definition from
product.md in its docstring (`active`, `exits`, `early_dropouts`, `throughput_days`, ...).
`measures_tree.py` groups them into the measures object of one scope; that tree is the
definition the fast path below is held to by the tests.

The pipeline of one answer (`answer.build_statistics_answer`):

    facts of the period
      │  fact_tally.py        each enrollment looked at once: the count cells it is in
      │                       and the values it brings to means and medians, per scope
      ▼
    tally per scope
      │  measure_values.py    values and their bases written straight into leaf order
      │  leaf_layout.py       (where each leaf is: derived once per shape of the tree)
      ▼
    measured leaves           measured_answer.py runs the two steps above for every scope
      │  disclosure.py        §7: which values to hide and by which rule
      ▼
    published values
      │  measures_format.py   rounding (the only place) and null where hidden
      ▼
    the answer (answer.py)    per intervention and the total, with `suppressed` listed

Between answers, parts computed from the same (immutable) fact objects are kept, so an
answer after a write recomputes only the changed intervention's parts and the total's
(`kept.py`, decisions.md §32): each intervention's facts (answer.py), its tally
(fact_tally.py), its tallied leaf values (measure_values.py) and its share of the unique
participants (`unique_parts.py`). The tests hold an answer from kept parts equal to one
computed with nothing kept.

How a figure is computed, in three steps: its definition in `definitions.py`; where it
sits in the measures object in `measures_tree.py`; how it is rounded or hidden in
`measures_format.py` and `disclosure.py`. docs/statistics.md says the same in prose.
"""
