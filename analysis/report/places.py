"""Approximate seat coordinates (longitude, latitude in degrees) for placing network nodes.

The prefecture-level network is drawn roughly as a map, so a city sits in the same spot in
every period and readers find 成都 in the west and 重庆 in the east without a legend. Only
a rough position matters (nodes are pushed apart afterwards), so two decimals of the
public coordinates of each seat are plenty.

``PREFECTURES``: every prefecture-level unit of Sichuan, and Chongqing as one unit (its
municipal bodies are the node 重庆市). ``PROVINCES``: the capital of every province-level
unit, used for partners outside the region, which are drawn on the rim in their direction.
"""
from __future__ import annotations

PREFECTURES: dict[str, tuple[float, float]] = {
    "成都市": (104.07, 30.67), "自贡市": (104.78, 29.34), "攀枝花市": (101.72, 26.58), "泸州市": (105.44, 28.87),
    "德阳市": (104.40, 31.13), "绵阳市": (104.68, 31.47), "广元市": (105.84, 32.44), "遂宁市": (105.59, 30.53),
    "内江市": (105.06, 29.58), "乐山市": (103.77, 29.55), "南充市": (106.11, 30.84), "眉山市": (103.85, 30.08),
    "宜宾市": (104.64, 28.75), "广安市": (106.63, 30.46), "达州市": (107.47, 31.21), "雅安市": (103.04, 30.01),
    "巴中市": (106.75, 31.87), "资阳市": (104.63, 30.13), "阿坝藏族羌族自治州": (102.22, 31.90),
    "甘孜藏族自治州": (101.96, 30.05), "凉山彝族自治州": (102.27, 27.88), "重庆市": (106.55, 29.56),
}

PROVINCES: dict[str, tuple[float, float]] = {
    "北京市": (116.40, 39.90), "天津市": (117.20, 39.08), "河北省": (114.51, 38.04), "山西省": (112.55, 37.87),
    "内蒙古自治区": (111.75, 40.84), "辽宁省": (123.43, 41.80), "吉林省": (125.32, 43.82),
    "黑龙江省": (126.53, 45.80), "上海市": (121.47, 31.23), "江苏省": (118.80, 32.06), "浙江省": (120.16, 30.27),
    "安徽省": (117.23, 31.82), "福建省": (119.30, 26.08), "江西省": (115.86, 28.68), "山东省": (117.00, 36.65),
    "河南省": (113.62, 34.75), "湖北省": (114.31, 30.59), "湖南省": (112.94, 28.23), "广东省": (113.26, 23.13),
    "广西壮族自治区": (108.37, 22.82), "海南省": (110.35, 20.02), "重庆市": (106.55, 29.56),
    "四川省": (104.07, 30.67), "贵州省": (106.63, 26.65), "云南省": (102.83, 24.88), "西藏自治区": (91.13, 29.65),
    "陕西省": (108.94, 34.34), "甘肃省": (103.83, 36.06), "青海省": (101.78, 36.62),
    "宁夏回族自治区": (106.23, 38.49), "新疆维吾尔自治区": (87.62, 43.83), "香港特别行政区": (114.17, 22.32),
    "澳门特别行政区": (113.54, 22.19), "台湾省": (121.56, 25.04),
}

REGION = ("四川省", "重庆市")
