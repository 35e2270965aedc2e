"""One colour-blind-safe palette for every chart and page: the Okabe–Ito colours.

Okabe and Ito (2008), *Color Universal Design*: eight colours that stay distinct for the
common forms of colour blindness. Each outcome has one colour everywhere (charts, the
classroom page, the report); calm outcomes are cool, rupture is warm or dark. Pressures
(coercive, conciliatory), the two governments and the sign of a change take their colours
from the same eight.
"""

from __future__ import annotations

BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

#: The colour of each outcome, by label (the model's and the record's vocabularies).
OUTCOME_COLOURS: dict[str, str] = {
    "stalemate": GREY,
    "talks": SKY_BLUE,
    "narrow_deal": BLUISH_GREEN,
    "broad_agreement": BLUE,
    "talks_collapsed": ORANGE,
    "escalation": VERMILLION,
    "leader_removed": BLACK,
    "deal_broken": REDDISH_PURPLE,
}

#: The colour of a pressure by kind: coercive (negative Goldstein weight) or conciliatory.
PRESSURE_COLOURS: dict[str, str] = {"coercive": VERMILLION, "conciliatory": BLUISH_GREEN}
#: The colour of each government in charts of both (lines, bands).
GOVERNMENT_COLOURS: dict[str, str] = {"us": BLUE, "venezuela": ORANGE}
#: The colour of a change by its sign (a rise, a fall), whatever it is a change of.
SIGN_COLOURS: dict[str, str] = {"rise": BLUE, "fall": ORANGE, "none": GREY}
