"""The structural prior of the splitter: fixed logit offsets on candidate cuts.

Each offset is one feature column (``features.py``) times a constant, so the prior is linear
in a candidate's row and the scorer folds it into its network's linear path at no cost. The
offsets are added at prediction only (see ``train.fit``) and are not learnt: they rest on
shares of the gold titles and teasers that are zero or near it (docs/splitter.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from storyline.understand.split.features import (
    CONTEXT_FEATURES,
    N_FEATURES,
    N_POS,
    N_ROW,
    TOKEN_FEATURES,
)

# Logit offset for a cut whose teaser would open with a plain lower-case word: teasers almost
# never do (0.8 % of the gold pairs, mostly web addresses, which ``plain_lower`` lets through).
# Added at prediction only (see ``train.fit``).
LOWER_OPEN_PENALTY = 6.0
_PLAIN_LOWER_COL = N_ROW + TOKEN_FEATURES.index("plain_lower")  # the word after the cut


# The same for a teaser that would open with a dateline's closing mark, a lone dash or a
# bracketed agency: "... Peptides | (AP) AP - A company ...". The mark ends whatever stands
# before it (the headline's agency tag or the teaser's dateline city): 6 of 7,290 gold teasers
# open with one, against 1 in 50 of the wrong cuts of the leave-one-source-out models.
_MARK_AFTER_COL = N_ROW + TOKEN_FEATURES.index("dateline_mark")
MARK_OPEN_PENALTY = 6.0


# And for a headline that would hold a wire dateline (see ``left_dateline``).
_WIRE_COL = 4 * N_ROW + N_POS + CONTEXT_FEATURES.index("left_dateline")
WIRE_PENALTY = 6.0


# And for a teaser that would open with a bare name before a clause opener (see
# ``name_then_opener``): 1 of 7,301 gold teasers does ("Early Thursday, Microsoft…"); the cut
# belongs after the name.
_NAME_OPENER_COL = 4 * N_ROW + N_POS + CONTEXT_FEATURES.index("name_then_opener")
NAME_OPENER_PENALTY = 3.0


# Softer offsets for a headline that would end in a token headlines rarely end in (share of
# the gold titles that do, against the wrong cuts of the leave-one-source-out models): an
# abbreviation such as "Mr." (0.1 %, 2.9 %), a single letter (0.3 %, 3.4 %), a sentence
# period (0.3 %, 3.8 %), a colon (0.1 %, 1.0 %), a lone dash (0 %, 0.2 %) or a lower-case
# function word such as "the", "und", "de" (1.3 %, 3.7 %). The last one matters most on an
# unseen language, where the network has little else to go on.
_END_PENALTIES = (
    ("abbrev", 3.0),
    ("single_letter", 3.0),
    ("end_period", 3.0),
    ("end_colon", 3.0),
    ("dash", 6.0),
    ("function_word", 3.0),
)


def _prior_weights() -> NDArray[np.float64]:
    """The prior as weights on the feature columns: every offset is one column times a
    constant, so the prior is linear in a candidate's row."""
    w = np.zeros(N_FEATURES)
    w[_PLAIN_LOWER_COL] -= LOWER_OPEN_PENALTY
    w[_MARK_AFTER_COL] -= MARK_OPEN_PENALTY
    w[_WIRE_COL] -= WIRE_PENALTY
    w[_NAME_OPENER_COL] -= NAME_OPENER_PENALTY
    for name, penalty in _END_PENALTIES:
        w[TOKEN_FEATURES.index(name)] -= penalty  # the token before the cut
    return w


# The scorer folds these into its linear path, so the prior costs nothing at prediction.
PRIOR_WEIGHTS = _prior_weights()
# The prior reads ten columns of ~300: a product over those alone is what the scorer's
# veto needs for every row.
_PRIOR_COLS = np.flatnonzero(PRIOR_WEIGHTS)
_PRIOR_VALUES = PRIOR_WEIGHTS[_PRIOR_COLS]


def structural_prior(feats: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """Fixed logit offsets added to the scorer's output at prediction (rows of any float
    type; the offsets are summed in float64)."""
    out: NDArray[np.float64] = feats[:, _PRIOR_COLS] @ _PRIOR_VALUES
    return out
