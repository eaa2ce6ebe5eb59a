"""Ranking within a group and rewards to the eligible: ties, the minimum total, the group's size,
complete results only. The expected places, amounts and notes are written out by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from xlkpi.month.rewards import Award, award_group, rank_values
from xlkpi.month.settings import default_rules

RULES = default_rules()  # dense, complete only, min_total 70, min_group 3
AMOUNTS = (500, 300, 200)


def awards(totals, incomplete=None, rules=RULES, amounts=AMOUNTS, **options):
    incomplete = incomplete or [None] * len(totals)
    return [(award.rank, award.reward, award.note) for award in award_group(totals, incomplete, rules, amounts,
                                                                             **options)]


def test_rank_values():
    assert rank_values([90, 95, 90, None, 80], "dense") == [2, 1, 2, None, 3]
    assert rank_values([90, 95, 90, None, 80], "competition") == [2, 1, 2, None, 4]
    with pytest.raises(ValueError):
        rank_values([1], "olympic")


def test_dense_ties_are_rewarded_equally():
    assert awards([95, 90, 90, 85, 80]) == [
        (1, 500, ""), (2, 300, ""), (2, 300, ""), (3, 200, ""), (4, None, "")]
    assert awards([90, 90, 90, 80, 70]) == [
        (1, 500, ""), (1, 500, ""), (1, 500, ""), (2, 300, ""), (3, 200, "")]


def test_competition_ties_skip_places():
    rules = replace(RULES, ranking="competition")
    assert awards([95, 90, 90, 85, 80], rules=rules) == [
        (1, 500, ""), (2, 300, ""), (2, 300, ""), (4, None, ""), (5, None, "")]


def test_minimum_total_at_its_boundary():
    assert awards([95, 72, 69.99, 70]) == [
        (1, 500, ""), (2, 300, ""), (4, None, "总分 69.99 低于 70 分"), (3, 200, "")]
    assert awards([95, 72, 69.99, 70], rules=replace(RULES, min_total=None)) == [
        (1, 500, ""), (2, 300, ""), (4, None, ""), (3, 200, "")]


def test_a_group_too_small_has_no_top_three():
    alone = "同组（同部门、同岗位）仅 1 人有总分，少于 3 人"
    assert awards([95]) == [(1, None, alone)]
    pair = "同组（同部门、同岗位）仅 2 人有总分，少于 3 人"
    assert awards([95, 90, None]) == [(1, None, pair), (2, None, pair), (None, None, "")]
    assert awards([95, 90, 60]) == [(1, 500, ""), (2, 300, ""), (3, None, "总分 60 低于 70 分")]
    assert awards([95, 90], rules=replace(RULES, min_group=2)) == [(1, 500, ""), (2, 300, "")]


def test_reasons_are_joined():
    assert awards([65, 50], ["缺 1 个月（2026-11）", None], what="平均分") == [
        (1, None, "缺 1 个月（2026-11）；平均分 65 低于 70 分；同组（同部门、同岗位）仅 2 人有平均分，少于 3 人"),
        (2, None, "平均分 50 低于 70 分；同组（同部门、同岗位）仅 2 人有平均分，少于 3 人")]


def test_the_ineligible_take_no_place():
    missing = "缺 1 个月（2026-11）"
    assert awards([99, 90, 85, 80], [missing, None, None, None], what="平均分") == [
        (1, None, missing),
        (2, 500, "排名第 2，排在前面的人不符合得奖条件，按第 1 名奖励"),
        (3, 300, "排名第 3，排在前面的人不符合得奖条件，按第 2 名奖励"),
        (4, 200, "排名第 4，排在前面的人不符合得奖条件，按第 3 名奖励")]
    # without the rule, an incomplete result competes like any other
    assert awards([99, 90, 85, 80], [missing, None, None, None], rules=replace(RULES, complete=False)) == [
        (1, 500, ""), (2, 300, ""), (3, 200, ""), (4, None, "")]


def test_no_amounts_no_rewards():
    assert awards([95, 90, 85], amounts=()) == [(1, None, ""), (2, None, ""), (3, None, "")]


def test_award_is_a_record():
    (award,) = award_group([None], ["未完成：2 项未填"], RULES, AMOUNTS)
    assert award == Award(None, None, "")
