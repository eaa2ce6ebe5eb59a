"""Ranking and rewards: places within a group, who is eligible for a reward, and how much.

A group is the people of one form in one department. Everyone with a total (a period: an average)
is ranked, ties sharing a place (中国式排名 1,2,2,3 by default, or competition 1,2,2,4). A reward
goes only to the eligible (`rules.Rules`: a complete result, a minimum total, a group large
enough to have a top three); the eligible are ranked again among themselves, and the amounts
follow those places, ties rewarded equally. Whoever is not eligible is told why.

The same function decides the month's rewards (`collect.py`) and a period's (`report.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


def rank_values(values, method: str = "dense") -> list:
    """Ranks of `values` (higher is better; None unranked): `dense` 中国式排名 1,2,2,3 or
    `competition` 1,2,2,4. Ties share a rank.

    Raises:
        ValueError: an unknown method.
    """
    present = sorted({v for v in values if v is not None}, reverse=True)
    if method == "dense":
        position = {value: index + 1 for index, value in enumerate(present)}
    elif method == "competition":
        ordered = sorted((v for v in values if v is not None), reverse=True)
        position = {}
        for index, value in enumerate(ordered):
            position.setdefault(value, index + 1)
    else:
        raise ValueError(f"未知的排名方式 {method!r}（dense 或 competition）")
    return [None if v is None else position[v] for v in values]


@dataclass(frozen=True)
class Award:
    """One person's place and reward in a group.

    Attributes:
        rank: the place among everyone with a total; None without a total.
        reward: the amount (元), or None.
        note: why a ranked person is not eligible (reasons joined by `；`), or how a reward's
            place was found when it is not the rank; empty otherwise (and for the unranked).
    """

    rank: int | None
    reward: float | None
    note: str


def _number(value) -> str:
    text = f"{float(value):.15g}"
    return "0" if text == "-0" else text


def award_group(totals, incomplete, rules, amounts, *, what: str = "总分") -> list[Award]:
    """Rank one group and give its rewards.

    Args:
        totals: each person's total (a period: average), or None.
        incomplete: for each person, why the result is not complete (`未完成`, `缺 1 个月（2026-11）`),
            or None when it is complete.
        rules: the `Rules` in force (ranking, complete, min_total, min_group).
        amounts: the amounts of places 1, 2, 3 … (元).
        what: what the total is called in a note (`总分`, `平均分`).

    Returns:
        An `Award` per person, in the order given.
    """
    totals = list(totals)
    ranks = rank_values(totals, rules.ranking)
    competing = sum(1 for total in totals if total is not None)
    reasons = []
    for total, why in zip(totals, incomplete):
        found = []
        if total is not None:  # without a total there is no place to explain
            if why and rules.complete:
                found.append(why)
            if rules.min_total is not None and total < rules.min_total:
                found.append(f"{what} {_number(total)} 低于 {_number(rules.min_total)} 分")
            if competing < rules.min_group:
                found.append(f"同组（同部门、同岗位）仅 {competing} 人有{what}，少于 {rules.min_group} 人")
        reasons.append(found)
    places = rank_values([None if found else total for total, found in zip(totals, reasons)], rules.ranking)
    awards = []
    for rank, place, found in zip(ranks, places, reasons):
        reward = amounts[place - 1] if place is not None and place <= len(amounts) else None
        note = "；".join(found)
        if reward is not None and place != rank:
            note = f"排名第 {rank}，排在前面的人不符合得奖条件，按第 {place} 名奖励"
        awards.append(Award(rank, reward, note))
    return awards


__all__ = ["rank_values", "award_group", "Award"]
