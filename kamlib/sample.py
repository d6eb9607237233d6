"""A deterministic generator of a coherent fictional company (the embedded sample).

鸿途商用车 is a fictional Chinese commercial-vehicle maker (tractors, heavy / medium /
light trucks, vans, dump trucks, mixers, sanitation trucks, tankers and special
vehicles) selling to key accounts in the sectors of
``docs/classification.md#key-account-types`` across five regions. :func:`generate`
builds every table of the data contract (``kamlib/data/schema.py``) for it:

===============  ==========================================================
table            rows
===============  ==========================================================
accounts         ``n_accounts``
orders           about 33 per account, long-tailed (Pareto-like revenue)
opportunities    about 5 per account
visits           about 15 per account (A-like accounts far more)
leads            2 per account
contacts         about 4.5 per account
reps             one per 15 accounts (at least 5, one per region)
products         32 (fixed)
showroom         36 months, counts scale with ``n_accounts``
market           region × segment × year (5 × 10 × 3)
factors          39 SWOT factors (fixed)
===============  ==========================================================

**Purchases follow the process the churn models describe** (Schmittlein, Morrison &
Colombo 1987; Fader, Hardie & Lee 2005), so the models fitted to the sample have
something real to find:

* an account's first purchase day is its start (early 2023 for an existing customer,
  later for a new one; every account of a market entered in 2025 is new);
* while it is alive, it buys on further days as a Poisson process with its own rate λ
  (purchase days per week); λ varies across accounts as a Gamma(1.2) spread around a
  mean of 0.25 a week, tilted towards large accounts (× relative size^0.3), at most 3;
* it stays alive for an exponential lifetime of rate μ, and μ varies across accounts as
  Gamma(shape 1, rate 600 weeks): about a fifth of the accounts drop out within the
  three years and are uncoupled (关系中断);
* a purchase day has 1 + Poisson(0.3) orders (different vehicles), which the RFM
  summary counts as one purchase; a share of February's purchase days slips into March
  (Chinese New Year).

**Size is in proportion to sector and city:** annual demand is 6 M yuan × the sector's
size × the city's size (Shanghai and Beijing 3, Guangzhou and Shenzhen 2.6, … small
cities 0.4) × a log-normal spread (σ 1.7, cut at 2.5 σ), and a district-level unit
(a 分局, a 营业部, a district 城市管理局) buys a tenth of a city-level one. Revenue over
the active span is the account's demand × our share of its wallet. Big cities also hold
more accounts. **Growth:** telecom in every region and one more sector per region are
markets entered in 2025, and three products were launched in the period (P31 in
September 2024, P10 in March 2025, P24 in May 2025), so the Ansoff matrix has product
and market development.

Everything is vectorised with NumPy / PyArrow, so a 200 000-account company (seven
million orders) is generated in well under two minutes. The output depends only on
the arguments: one :class:`numpy.random.SeedSequence` per table, no clock, no
``hash()``. Category values are English snake_case codes translated by
``kamlib/labels.csv``; names, cities, titles and notes are Chinese text.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kamlib.errors import ConfigError

__all__ = ["SAMPLE_ACCOUNTS", "SAMPLE_SEED", "TABLE_NAMES", "generate", "write_tables"]

SAMPLE_SEED = 2024
"""Seed of the committed sample in ``data/sample/``."""

SAMPLE_ACCOUNTS = 300
"""Number of accounts of the committed sample in ``data/sample/``."""

TABLE_NAMES = (
    "accounts", "orders", "opportunities", "visits", "leads", "showroom",
    "market", "products", "reps", "contacts", "factors",
)
"""Tables :func:`generate` returns, in this order."""

START = np.datetime64("2023-01-01", "D")
END = np.datetime64("2025-12-31", "D")
_DAYS = int((END - START).astype(int)) + 1
_FORMATS = ("auto", "csv", "parquet")
_AUTO_CSV_MAX = 5000

# --------------------------------------------------------------------------------------
# The fictional world: plain data.
# --------------------------------------------------------------------------------------

REGIONS = ("east", "north", "south", "central", "west")
_REGION_WEIGHTS = (0.30, 0.20, 0.20, 0.15, 0.15)
_CITIES = {
    "east": ("上海", "杭州", "南京", "苏州", "宁波", "济南", "青岛", "合肥", "福州", "温州"),
    "north": ("北京", "天津", "石家庄", "唐山", "太原", "呼和浩特", "沈阳", "大连", "长春", "哈尔滨"),
    "south": ("广州", "深圳", "佛山", "东莞", "南宁", "柳州", "海口", "厦门", "泉州", "汕头"),
    "central": ("武汉", "长沙", "郑州", "南昌", "洛阳", "襄阳", "株洲", "宜昌", "赣州", "开封"),
    "west": ("成都", "重庆", "西安", "昆明", "贵阳", "兰州", "乌鲁木齐", "银川", "西宁", "绵阳"),
}
_DISTRICTS = ("东城区", "西城区", "南区", "北区", "高新区", "经开区", "新区", "滨江区", "城关区", "开发区",
              "临港区", "江北区", "河西区", "港区", "东湖区", "西郊", "南郊", "北郊", "新城区", "老城区")
_WORDS = ("华通", "宏远", "顺达", "安捷", "通衢", "恒泰", "金桥", "瑞丰", "中联", "鑫源", "天成", "远洋",
          "汇通", "盛达", "永利", "德邦", "长江", "黄河", "泰山", "昆仑", "嘉禾", "新达", "广汇", "万通",
          "聚力", "博远", "兴业", "东方", "华瑞", "宇航", "骏马", "祥和", "润泽", "海川", "隆盛", "正和",
          "铭扬", "凯达", "晟通", "荣昌")

SECTORS = ("logistics", "manufacturing", "road_bridge", "sanitation", "grain", "postal", "tobacco",
           "railway", "military", "government", "energy", "telecom")
_SECTOR_WEIGHTS = (0.20, 0.12, 0.10, 0.10, 0.07, 0.06, 0.06, 0.06, 0.06, 0.07, 0.06, 0.04)
_SECTOR_SIZE = (1.3, 1.0, 1.1, 1.0, 0.9, 0.9, 0.7, 1.2, 1.5, 0.7, 1.2, 0.6)
_NAME_TEMPLATES = {
    "logistics": ("{c}{w}物流有限公司", "{c}{w}供应链管理有限公司", "{w}快运股份有限公司", "{c}{w}冷链物流有限公司"),
    "manufacturing": ("{c}{w}机械制造有限公司", "{w}重工股份有限公司", "{c}{w}建材有限公司", "{c}{w}钢铁有限公司"),
    "road_bridge": ("{c}{w}路桥建设有限公司", "{c}市政工程有限公司{d}分公司", "{w}交通建设集团有限公司"),
    "sanitation": ("{c}市{d}环境卫生管理所", "{c}{w}环境服务有限公司", "{c}{w}城市服务有限公司"),
    "grain": ("{c}{w}粮油有限公司", "{c}市{d}粮食储备库", "{w}粮食物流有限公司"),
    "postal": ("{c}市邮政分公司{d}营业部", "{c}{w}速递有限公司", "{c}市邮政分公司"),
    "tobacco": ("{c}市烟草公司", "{c}卷烟厂", "{c}市烟草公司{d}营销部", "省烟草公司{c}物流中心"),
    "railway": ("{c}铁路物资有限公司", "{c}工务段", "{c}{w}铁路工程有限公司"),
    "military": ("{c}警备区后勤保障部", "武警{c}支队后勤处", "{c}联勤保障中心{d}仓库"),
    "government": ("{c}市机关事务管理局", "{c}市{d}城市管理局", "{c}市应急管理局", "{c}市公安局{d}分局"),
    "energy": ("{c}供电公司", "{c}{w}燃气有限公司", "{c}{w}石化有限公司", "{c}{w}新能源有限公司"),
    "telecom": ("{c}{w}通信工程有限公司", "{c}电信分公司{d}网格", "{c}{w}信息网络有限公司"),
}
CUSTOMER_TYPES = ("economic", "important", "group", "strategic")
_CUSTOMER_TYPE_P = {
    "important": (0.10, 0.75, 0.05, 0.10),
    "group": (0.25, 0.30, 0.35, 0.10),
    "economic": (0.60, 0.03, 0.15, 0.22),
}
_SECTOR_TYPE = ("economic", "economic", "economic", "group", "economic", "important", "group",
                "group", "important", "important", "group", "group")

FAMILIES = ("tractor", "heavy_truck", "medium_truck", "light_truck", "van", "dump_truck", "mixer",
            "sanitation", "tanker", "special")
# sector × family purchase mix (rows follow SECTORS, columns FAMILIES)
_MIX = np.array([
    [5.0, 3.0, 2.0, 1.5, 2.5, 0.2, 0.1, 0.1, 0.4, 0.1],  # logistics
    [1.5, 2.0, 3.0, 2.0, 1.0, 0.5, 0.3, 0.1, 0.3, 0.2],  # manufacturing
    [0.3, 1.5, 0.5, 0.3, 0.1, 5.0, 4.0, 0.2, 0.5, 0.5],  # road_bridge
    [0.1, 0.2, 0.5, 1.0, 0.3, 0.5, 0.1, 8.0, 0.5, 0.3],  # sanitation
    [1.5, 3.0, 2.0, 0.5, 0.5, 0.3, 0.1, 0.1, 3.0, 0.2],  # grain
    [0.2, 0.5, 1.5, 3.0, 5.0, 0.1, 0.1, 0.1, 0.1, 0.2],  # postal
    [0.1, 0.2, 1.0, 3.0, 5.0, 0.1, 0.1, 0.1, 0.1, 0.2],  # tobacco
    [0.3, 2.0, 1.0, 0.5, 0.3, 1.0, 0.3, 0.1, 1.0, 4.0],  # railway
    [0.3, 2.0, 1.0, 0.5, 0.3, 0.3, 0.1, 0.1, 1.0, 5.0],  # military
    [0.1, 0.3, 1.0, 2.0, 2.0, 0.2, 0.1, 1.0, 0.2, 2.0],  # government
    [1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.1, 0.1, 5.0, 1.5],  # energy
    [0.1, 0.2, 0.5, 3.0, 2.0, 0.1, 0.1, 0.1, 0.1, 2.0],  # telecom
])
# product_id, name, family, unit price (yuan), gross margin
_PRODUCTS = (
    ("P01", "鸿途 T5 LNG 6×4 牵引车", "tractor", 450_000, 0.10),
    ("P02", "鸿途 T7 460马力 6×4 牵引车", "tractor", 420_000, 0.09),
    ("P03", "鸿途 T9 560马力 6×4 牵引车", "tractor", 520_000, 0.12),
    ("P04", "鸿途 H5 6×2 载货车", "heavy_truck", 280_000, 0.10),
    ("P05", "鸿途 H7 8×4 载货车", "heavy_truck", 360_000, 0.11),
    ("P06", "鸿途 H9 6×4 仓栅车", "heavy_truck", 330_000, 0.12),
    ("P07", "鸿途 M3 4×2 仓栅车", "medium_truck", 160_000, 0.12),
    ("P08", "鸿途 M5 4×2 载货车", "medium_truck", 185_000, 0.13),
    ("P09", "鸿途 M7 随车吊", "medium_truck", 260_000, 0.20),
    ("P10", "鸿途 L2 新能源轻卡", "light_truck", 168_000, 0.14),
    ("P11", "鸿途 L3 蓝牌轻卡", "light_truck", 118_000, 0.08),
    ("P12", "鸿途 L5 厢式轻卡", "light_truck", 135_000, 0.10),
    ("P13", "鸿途 V3 厢式运输车", "van", 150_000, 0.12),
    ("P14", "鸿途 V5 冷藏车", "van", 240_000, 0.22),
    ("P15", "鸿途 V6 邮政专用厢式车", "van", 175_000, 0.18),
    ("P16", "鸿途 D3 矿用自卸车", "dump_truck", 560_000, 0.16),
    ("P17", "鸿途 D5 6×4 自卸车", "dump_truck", 380_000, 0.11),
    ("P18", "鸿途 D7 8×4 自卸车", "dump_truck", 430_000, 0.12),
    ("P19", "鸿途 X5 10方搅拌车", "mixer", 400_000, 0.13),
    ("P20", "鸿途 X7 12方搅拌车", "mixer", 440_000, 0.14),
    ("P21", "鸿途 S2 洒水车", "sanitation", 210_000, 0.27),
    ("P22", "鸿途 S3 压缩式垃圾车", "sanitation", 320_000, 0.30),
    ("P23", "鸿途 S5 洗扫车", "sanitation", 480_000, 0.34),
    ("P24", "鸿途 S6 纯电动垃圾车", "sanitation", 560_000, 0.32),
    ("P25", "鸿途 K3 散装粮食运输车", "tanker", 300_000, 0.20),
    ("P26", "鸿途 K5 油罐车", "tanker", 360_000, 0.22),
    ("P27", "鸿途 K7 危化品运输车", "tanker", 460_000, 0.26),
    ("P28", "鸿途 Z3 应急抢险车", "special", 520_000, 0.28),
    ("P29", "鸿途 Z5 越野运输车", "special", 680_000, 0.30),
    ("P30", "鸿途 Z7 铁路工程作业车", "special", 880_000, 0.33),
    ("P31", "鸿途 Z9 通信指挥车", "special", 760_000, 0.35),
    ("P32", "鸿途 Z2 机场摆渡保障车", "special", 420_000, 0.25),
)

COMPETITORS = ("鼎峰重卡", "华岳汽车", "天驰商用车", "远航重工", "骏程卡车", "北岭汽车")
_COMPETITOR_WEIGHTS = (0.30, 0.25, 0.18, 0.12, 0.10, 0.05)

STAGES = ("no_interest", "low_interest", "strong_interest", "conviction", "commitment")
SOURCES = ("referral", "showroom", "outreach", "tender", "phone", "event", "online")
_SOURCE_WEIGHTS = (0.34, 0.18, 0.20, 0.10, 0.08, 0.06, 0.04)
_SOURCE_WIN = (0.62, 0.30, 0.25, 0.35, 0.25, 0.30, 0.20)
LOSS_REASONS = ("brand", "price", "exterior", "interior", "configuration", "power_handling", "quality",
                "attitude", "service", "quote", "presentation", "follow_up", "promise")
_LOSS_WEIGHTS = np.array([0.12, 0.22, 0.03, 0.02, 0.09, 0.05, 0.06, 0.04, 0.07, 0.10, 0.05, 0.10, 0.05])
RELATIONSHIP_STAGES = ("pre", "early", "mid", "partnership", "synergistic", "uncoupling")

VISIT_KINDS = ("onsite", "phone", "wechat", "event", "showroom")
_VISIT_KIND_WEIGHTS = (0.55, 0.25, 0.08, 0.05, 0.07)
OBJECTIVES = ("relationship", "needs", "benefits", "commitment", "service", "complaint", "payment")
_OBJECTIVE_WEIGHTS = (0.20, 0.20, 0.18, 0.14, 0.18, 0.05, 0.05)
OUTCOMES = ("order", "commitment", "progress", "no_progress", "objection", "rejected")
_ACCEPTED_OUTCOMES = ("order", "commitment", "progress")
# objective × outcome
_OUTCOME_MIX = np.array([
    [0.01, 0.05, 0.55, 0.30, 0.05, 0.04],  # relationship
    [0.02, 0.10, 0.50, 0.23, 0.10, 0.05],  # needs
    [0.04, 0.16, 0.38, 0.18, 0.18, 0.06],  # benefits
    [0.22, 0.28, 0.15, 0.10, 0.17, 0.08],  # commitment
    [0.03, 0.07, 0.55, 0.25, 0.07, 0.03],  # service
    [0.00, 0.05, 0.40, 0.25, 0.22, 0.08],  # complaint
    [0.00, 0.20, 0.40, 0.25, 0.10, 0.05],  # payment
])
_NOTES = {
    "order": ("签订采购合同，交车时间待确认。", "客户下单，要求月底前完成上牌。", "追加订单已确认，安排生产排期。"),
    "commitment": ("客户同意安排试驾，并把我方列入比选名单。", "采购部同意下周组织技术交流会。",
                   "客户承诺本月内给出采购意向。"),
    "progress": ("客户对配置方案感兴趣，约定下周提供正式报价。", "与车队队长沟通使用反馈，整体满意。",
                 "了解到客户明年有车辆更新计划，已记录需求。", "向技术负责人介绍新能源车型，对方要求提供案例。",
                 "完成交车后第一次回访，司机反映油耗较低。"),
    "no_progress": ("负责人出差，未见到决策人。", "客户预算尚未批复，需持续跟进。", "客户内部调整，采购计划暂缓。"),
    "objection": ("客户认为报价偏高，要求再给优惠。", "客户对售后网点覆盖有疑虑。", "客户担心新车型可靠性，需要提供质保方案。"),
    "rejected": ("客户明确表示今年暂无采购计划。", "客户已与其他品牌签约，本轮未中标。"),
}
_COMPETITOR_NOTES = ("客户提到{k}报价更低，需要准备对比材料。", "{k}销售近期频繁拜访，客户态度有所变化。",
                     "客户正在试用{k}的样车。", "{k}给出了更长的免息分期方案。")

CHANNELS = SOURCES
IMPORTANCE = ("important", "secondary", "ordinary")
GRADES = ("O", "H", "A", "B", "C")
LAYERS = ("image", "decision", "implementation", "use")
BUYER_ROLES = ("economic", "technical", "user", "actual", "coach")
BASIC_NEEDS = ("power", "achievement", "recognition", "cooperation", "security", "order")
SOCIAL_STYLES = ("expressive", "analytical", "driver", "amiable")
# basic need → most likely social style
_NEED_STYLE = ("driver", "driver", "expressive", "amiable", "analytical", "analytical")
# layer × basic need
_LAYER_NEEDS = np.array([
    [0.40, 0.30, 0.15, 0.05, 0.05, 0.05],  # image
    [0.15, 0.30, 0.20, 0.10, 0.15, 0.10],  # decision
    [0.05, 0.15, 0.10, 0.25, 0.20, 0.25],  # implementation
    [0.02, 0.08, 0.15, 0.35, 0.25, 0.15],  # use
])
# contact templates: (layer, buyer role, titles, influence low, influence high)
_CONTACT_SLOTS = (
    ("image", "economic", ("总经理", "董事长", "总裁"), 4, 5),
    ("decision", "technical", ("技术中心主任", "车辆管理部经理", "设备部部长"), 3, 5),
    ("decision", "actual", ("财务总监", "财务部经理"), 3, 5),
    ("implementation", "coach", ("采购部经理", "计划科科长", "招标办主任"), 2, 4),
)
_EXTRA_SLOTS = (
    ("implementation", "technical", ("设备科科长", "质检中心主任", "安全科科长"), 2, 4),
    ("use", "user", ("车队队长", "驾驶员", "维修班长", "调度主管"), 1, 3),
    ("implementation", "coach", ("采购专员", "行政科科长"), 2, 3),
)

_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
             "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
             "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
             "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
             "欧阳", "司马", "亓", "逄", "仝", "昝")
_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
          "超", "秀", "霞", "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "鹏", "宇", "浩", "凯",
          "晨", "婷", "雪", "琳", "峰", "斌", "志", "海", "亮", "红", "玉", "兰", "春", "东", "波", "欣",
          "佳", "俊", "博", "慧", "颖", "倩", "嘉", "子", "思", "梓", "晓", "天", "新", "振", "立", "成")
RARE_CHARS = ("喆", "堃", "垚", "淼", "犇", "昇", "珺", "玥", "琰", "祎", "翀", "赟", "燊", "骉")
"""Characters outside everyday use that appear in some person names (encoding tests)."""

_FACTORS = (
    ("S", "company", "公司重卡产品线齐全，覆盖牵引、载货、自卸和专用车。"),
    ("S", "company", "环卫车和专用车改装能力强，毛利率高。"),
    ("S", "company", "全国服务网点超过600家，24小时救援响应。"),
    ("S", "customers", "与主要物流客户合作多年，老客户转介绍率高。"),
    ("S", "technological", "新能源轻卡续航和补能方案领先。"),
    ("S", "suppliers", "核心零部件自制比例高，交付周期短。"),
    ("S", "company", "大客户经理团队稳定，熟悉政府和军队采购流程。"),
    ("W", "competitors", "品牌知名度低于头部竞争对手。"),
    ("W", "company", "牵引车价格竞争力不足，利润率偏低。"),
    ("W", "geographic", "西部偏远地区服务网点覆盖不足。"),
    ("W", "company", "新入职客户经理经验不足，跟进不及时。"),
    ("W", "intermediaries", "部分经销商资金实力弱，库存周转慢。"),
    ("W", "technological", "部分车型动力及操控口碑一般。"),
    ("W", "company", "报价审批流程长，错失投标时机。"),
    ("O", "political", "国六排放标准全面实施，老旧车辆加速淘汰更新。"),
    ("O", "political", "环卫市场化改革释放环卫车采购需求。"),
    ("O", "economic", "基础设施投资加大，路桥工程带动自卸车、搅拌车需求。"),
    ("O", "economic", "电商和快递业务量持续增长，带动物流车需求。"),
    ("O", "political", "新能源商用车购置补贴和城市路权政策。"),
    ("O", "economic", "县域冷链物流建设加快，冷藏车需求上升。"),
    ("O", "demographic", "城镇化推进，人口向城市群集中，城配需求增加。"),
    ("O", "geographic", "西部陆海新通道带来中长途运输需求。"),
    ("O", "technological", "车联网和智能驾驶技术成熟，可提供增值服务。"),
    ("O", "customers", "客户越来越重视全生命周期成本。"),
    ("O", "religious", "宗教节日期间部分地区物资运输需求集中。"),
    ("O", "social", "社会对城市环境卫生的要求不断提高。"),
    ("T", "competitors", "竞争对手以低价抢占牵引车市场。"),
    ("T", "suppliers", "钢材等原材料价格上涨，压缩利润空间。"),
    ("T", "economic", "物流运价下行，客户购车意愿下降。"),
    ("T", "political", "治超治限政策趋严，部分车型需要改款。"),
    ("T", "suppliers", "芯片供应紧张导致交付延迟。"),
    ("T", "customers", "客户融资难，账期延长，回款风险上升。"),
    ("T", "social", "年轻人不愿当货车司机，司机短缺。"),
    ("T", "intermediaries", "个别经销商转投竞品品牌。"),
    ("T", "technological", "新能源技术路线变化快，产品迭代风险大。"),
    ("T", "geographic", "北方冬季严寒影响新能源车续航。"),
    ("T", "demographic", "人口老龄化，货车司机队伍老化。"),
    ("T", "competitors", "竞争对手在环卫车领域推出融资租赁方案。"),
    ("W", "customers", "客户对售后响应速度的满意度下降。"),
)
FACTOR_CATEGORIES = ("political", "economic", "social", "technological", "demographic", "geographic",
                     "religious", "customers", "competitors", "intermediaries", "suppliers", "company")

_SEASON = np.array([0.85, 0.60, 1.15, 1.15, 1.10, 1.00, 0.90, 0.90, 1.10, 1.10, 1.10, 1.05])

# city size (demand multiplier and how many accounts a city has), in the order of _CITIES
_CITY_SIZE = {
    "east": (3.0, 1.6, 1.5, 1.5, 1.1, 1.1, 1.2, 1.0, 0.9, 0.8),
    "north": (3.0, 1.5, 1.0, 0.9, 0.9, 0.6, 1.0, 0.9, 0.8, 0.8),
    "south": (2.6, 2.6, 1.2, 1.1, 0.8, 0.6, 0.5, 0.9, 0.8, 0.5),
    "central": (1.6, 1.2, 1.3, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5, 0.4),
    "west": (1.7, 1.7, 1.3, 0.9, 0.8, 0.6, 0.6, 0.4, 0.4, 0.4),
}
_DEMAND_SIGMA = 1.7  # log-normal spread of annual demand around sector × city size
_DISTRICT_SIZE = 0.1  # a district-level unit buys a tenth of a city-level one
# purchase process (weeks): λ ~ size^0.3 × Gamma(1.2, mean 0.25); lifetime ~ Exponential(μ), μ ~ Gamma(1.0, rate 600)
_RATE_SIZE_POWER = 0.3
_RATE_SHAPE = 1.2
_RATE_MEAN = 0.25
_DROPOUT_SHAPE = 1.0
_DROPOUT_RATE = 600.0
_EXTRA_ORDERS = 0.3  # further orders (other vehicles) on a purchase day, Poisson mean
_DAY_2025 = int((np.datetime64("2025-01-01") - START).astype(int))
# (sector, region) markets entered in 2025 (codes sector × 5 + region): every account there is new
_ENTERED_2025 = tuple(SECTORS.index(s) * len(REGIONS) + REGIONS.index(r) for s, r in (
    ("telecom", "east"), ("telecom", "north"), ("telecom", "south"), ("telecom", "central"), ("telecom", "west"),
    ("tobacco", "west"), ("railway", "south"), ("grain", "east"), ("postal", "central"), ("military", "north")))
# products launched during the period: day offset of the launch (earlier orders are of an older model)
_LAUNCHES = {"P10": int((np.datetime64("2025-03-01") - START).astype(int)),
             "P24": int((np.datetime64("2025-05-01") - START).astype(int)),
             "P31": int((np.datetime64("2024-09-01") - START).astype(int))}


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def generate(
    n_accounts: int = SAMPLE_ACCOUNTS,
    seed: int = SAMPLE_SEED,
    out: str | Path | None = None,
    fmt: str = "auto",
) -> dict[str, pd.DataFrame]:
    """Generate the tables of a coherent fictional commercial-vehicle maker.

    Parameters
    ----------
    n_accounts : int, default 300
        Number of key accounts; every other table except ``products``, ``market``,
        ``showroom`` (rows) and ``factors`` scales with it.
    seed : int, default 2024
        Seed of :func:`numpy.random.default_rng`; same arguments, same output.
    out : str or Path, optional
        Folder to write one file per table into (created if missing).
    fmt : {"auto", "csv", "parquet"}, default "auto"
        File format when *out* is given; ``"auto"`` is CSV up to 5 000 accounts and
        Parquet above.

    Returns
    -------
    dict of str to DataFrame
        ``{table name: table}`` in the order of :data:`TABLE_NAMES`, with the columns
        of ``kamlib.data.schema.TABLES``. Dates are ``datetime64`` (missing = NaT),
        money is rounded to 2 decimals.

    Raises
    ------
    ConfigError
        When *n_accounts* is not a positive integer or *fmt* is unknown.

    Notes
    -----
    Orders run from 2023-01-01 to 2025-12-31 and follow the purchase process of the
    module docstring (Poisson purchase days while alive, exponential lifetimes, both
    varying across accounts). Account size is log-normal around sector × city size, so
    the top 20 % of accounts bring roughly 70–75 % of revenue
    (``docs/classification.md#pareto--abc``).
    Purchase level X is derived from 2025 revenue and capacity level Y from annual
    demand with the same thresholds, so X ≤ Y always
    (``docs/classification.md#purchase-state-grid``). About half of the won opportunities
    come from referrals (``docs/win-loss.md#sources-of-won-deals``). Visit notes of
    churning accounts often name a competitor (``docs/churn.md#churn-warning-signals``).

    Examples
    --------
    >>> tables = generate(50, seed=1)
    >>> sorted(tables) == sorted(TABLE_NAMES)
    True
    >>> bool((tables["accounts"].purchase_level <= tables["accounts"].capacity_level).all())
    True
    """
    n_accounts = _check_n(n_accounts)
    if fmt not in _FORMATS:
        raise ConfigError(f"fmt must be one of {', '.join(map(repr, _FORMATS))}, but {fmt!r} was passed.")
    seeds = dict(zip(TABLE_NAMES, np.random.SeedSequence(int(seed)).spawn(len(TABLE_NAMES))))
    rngs = {name: np.random.default_rng(s) for name, s in seeds.items()}

    products = _products()
    reps = _reps(n_accounts, rngs["reps"])
    world = _accounts_world(n_accounts, reps, rngs["accounts"])
    orders = _orders(world, products, rngs["orders"])
    accounts = _finish_accounts(world, orders)
    reps = _finish_reps(reps, world, orders, rngs["reps"])
    tables = {
        "accounts": accounts,
        "orders": orders,
        "opportunities": _opportunities(world, products, rngs["opportunities"]),
        "visits": _visits(world, rngs["visits"]),
        "leads": _leads(n_accounts, reps, rngs["leads"]),
        "showroom": _showroom(n_accounts, rngs["showroom"]),
        "market": _market(world, orders, rngs["market"]),
        "products": products,
        "reps": reps,
        "contacts": _contacts(world, rngs["contacts"]),
        "factors": _factors(rngs["factors"]),
    }
    if out is not None:
        if fmt == "auto":
            fmt = "csv" if n_accounts <= _AUTO_CSV_MAX else "parquet"
        write_tables(tables, out, fmt=fmt)
    return tables


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path, *, fmt: str = "csv") -> list[Path]:
    """Write each table to ``<out>/<name>.csv`` or ``.parquet``, byte-stably.

    CSV files are UTF-8 without BOM with ``\\n`` line endings; dates are written
    ``YYYY-MM-DD``, booleans ``true``/``false`` and floats with two decimals. Each file
    is written under a temporary name and then renamed, so a write that fails (a full
    disk) leaves no part of a file under the table's name.

    Parameters
    ----------
    tables : dict of str to DataFrame
        As returned by :func:`generate`.
    out : str or Path
        Folder, created if missing.
    fmt : {"csv", "parquet"}
        File format.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    OSError
        When a file cannot be written; its ``filename`` is the file's path.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_tables({"t": pd.DataFrame({"x": [1.005]})}, tmp)]
    ['t.csv']
    """
    if fmt not in ("csv", "parquet"):
        raise ConfigError(f"fmt must be 'csv' or 'parquet', but {fmt!r} was passed.")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        path = folder / f"{name}.{fmt}"
        with _replacing(path) as tmp:
            if fmt == "csv":
                _csv_frame(df).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n",
                                      float_format="%.2f", na_rep="")
            else:
                table = pa.Table.from_pandas(df, preserve_index=False)
                pq.write_table(table, tmp, compression="zstd")
        written.append(path)
    return written


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary name beside *path* to write to; renamed to *path* when the block ends without error.

    On error the temporary file is removed and the error, an :class:`OSError`, names *path*.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename in (None, str(tmp)):
            exc.filename = str(path)
        raise


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _check_n(n_accounts: object) -> int:
    if isinstance(n_accounts, bool) or not isinstance(n_accounts, (int, np.integer)) or n_accounts < 1:
        raise ConfigError(f"n_accounts must be a positive integer, but {n_accounts!r} was passed.")
    return int(n_accounts)


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Turn dates, booleans and floats into the text written to CSV."""
    out = {}
    for name, col in df.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(col):
            out[name] = np.where(col.to_numpy(bool), "true", "false")
        elif pd.api.types.is_float_dtype(col):
            out[name] = col.round(2) + 0.0  # no "-0.00"
        else:
            out[name] = col
    return pd.DataFrame(out)


def _ids(prefix: str, n: int) -> pd.Series:
    """``prefix`` + zero-padded 1..n (width at least 4), as a string Series."""
    width = max(4, len(str(n)))
    nums = pa.array(np.arange(1, n + 1, dtype=np.int64)).cast(pa.string())
    return _str(pc.binary_join_element_wise(prefix, pc.utf8_lpad(nums, width=width, padding="0"), ""))


def _str(values: pa.Array | pa.ChunkedArray | Sequence[object] | np.ndarray) -> pd.Series:
    """A pandas string Series (Arrow-backed) from Arrow or Python values."""
    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    return pd.Series(pd.array(values, dtype="str"))


def _take(labels: Sequence[str], codes: np.ndarray) -> pd.Series:
    """Map integer codes (−1 = missing) to labels, vectorised."""
    dictionary = pa.array(list(labels), type=pa.string())
    codes = np.asarray(codes, dtype=np.int32)
    mask = codes < 0
    indices = pa.array(np.where(mask, 0, codes), mask=mask)
    return _str(dictionary.take(indices))


def _choice(rng: np.random.Generator, n: int, weights: Sequence[float]) -> np.ndarray:
    """*n* draws of indices 0..k−1 with the given (unnormalised) weights."""
    cum = np.cumsum(np.asarray(weights, dtype=float))
    return np.searchsorted(cum / cum[-1], rng.random(n), side="right").clip(0, len(cum) - 1)


def _choice_by(rng: np.random.Generator, group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One draw per element of *group*, with the weights of row ``weights[group]``.

    Memory stays O(n): row g's cumulative probabilities are shifted by g and searched
    in one sorted array, instead of building an n × k matrix.
    """
    weights = np.asarray(weights, dtype=float)
    n_groups, k = weights.shape
    cum = np.cumsum(weights, axis=1)
    cum = cum / cum[:, -1:]
    cum[:, -1] = 1.0
    flat = (cum + np.arange(n_groups)[:, None]).ravel()
    group = np.asarray(group)
    pos = np.searchsorted(flat, group + rng.random(len(group)) * (1 - 1e-12), side="right")
    return (pos - group * k).clip(0, k - 1)


def _dates(days: np.ndarray) -> pd.Series:
    """Day offsets from START → datetime64 Series (negative = NaT)."""
    days = np.asarray(days)
    values = (START + days.clip(0).astype("timedelta64[D]")).astype("datetime64[s]")
    values[days < 0] = np.datetime64("NaT")
    return pd.Series(values)


def _weekday_shift(days: np.ndarray) -> np.ndarray:
    """Move Saturdays back to Friday and Sundays on to Monday (START is a Sunday)."""
    dow = (days + 6) % 7  # 0 = Monday
    return days - (dow == 5) + (dow == 6)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Chinese person names; a few given names use rare characters."""
    surname = np.asarray(_SURNAMES, dtype=object)[_choice(rng, n, [8] * 64 + [1] * 6)]
    pool = np.asarray(_GIVEN + RARE_CHARS, dtype=object)
    weights = [1.0] * len(_GIVEN) + [0.01 * len(_GIVEN) / len(RARE_CHARS)] * len(RARE_CHARS)
    first = pool[_choice(rng, n, weights)]
    second = np.where(rng.random(n) < 0.65, pool[_choice(rng, n, weights)], "")
    names = surname + first + second
    # guarantee the first five rare characters appear at least once when there is room
    k = min(5, n)
    spots = rng.choice(n, size=k, replace=False)
    for spot, char in zip(spots, RARE_CHARS[:k]):
        names[spot] = surname[spot] + first[spot] + char
    return names


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _products() -> pd.DataFrame:
    price = np.array([p[3] for p in _PRODUCTS], dtype=float)
    margin = np.array([p[4] for p in _PRODUCTS])
    return pd.DataFrame({
        "product_id": _str([p[0] for p in _PRODUCTS]),
        "product_name": _str([p[1] for p in _PRODUCTS]),
        "family": _str([p[2] for p in _PRODUCTS]),
        "unit_price": price,
        "unit_cost": np.round(price * (1 - margin), 2),
    })


def _reps(n_accounts: int, rng: np.random.Generator) -> pd.DataFrame:
    n_reps = max(len(REGIONS), -(-n_accounts // 15))
    share = np.asarray(_REGION_WEIGHTS) * n_reps
    counts = np.maximum(1, np.floor(share).astype(int))
    while counts.sum() < n_reps:  # largest remainder
        counts[np.argmax(share - counts)] += 1
    while counts.sum() > n_reps:
        counts[np.argmax(counts)] -= 1
    region = np.repeat(np.arange(len(REGIONS)), counts)
    return pd.DataFrame({
        "rep_id": _ids("R", n_reps),
        "rep_name": _str(_names(rng, n_reps)),
        "region": _take(REGIONS, region),
        "visits_per_day": np.round(rng.uniform(2.0, 5.0, n_reps), 1),
        "_region": region,
    })


def _accounts_world(n: int, reps: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Latent account attributes shared by orders, opportunities, visits and contacts.

    Annual demand is sector size × city size × a log-normal spread, a tenth of that for
    a district-level unit (a 分局, a 营业部); each buying account gets a purchase rate
    and a lifetime of the purchase process (see the module docstring).
    """
    region = _choice(rng, n, _REGION_WEIGHTS)
    sector = _choice(rng, n, _SECTOR_WEIGHTS)
    city = _choice_by(rng, region, np.array([_CITY_SIZE[r] for r in REGIONS]))  # big cities have more accounts
    name_u = rng.random((n, 3))
    # rep of the same region: reps of a region are contiguous
    rep_region = reps["_region"].to_numpy()
    lo = np.searchsorted(rep_region, region, side="left")
    hi = np.searchsorted(rep_region, region, side="right")
    rep = lo + np.floor(rng.random(n) * (hi - lo)).astype(int)
    # size: annual demand (yuan), log-normal around sector × city size, district units smaller
    spread = np.clip(rng.normal(0.0, _DEMAND_SIGMA, n), -2.5 * _DEMAND_SIGMA, 2.5 * _DEMAND_SIGMA)
    city_size = np.array([_CITY_SIZE[r] for r in REGIONS])[region, city]
    level = np.where(_district_level(sector, name_u[:, 0]), _DISTRICT_SIZE, 1.0)
    demand = 6e6 * np.asarray(_SECTOR_SIZE)[sector] * city_size * level * np.exp(spread)
    demand = np.round(demand / 1e4) * 1e4 + 1e5
    wallet = rng.beta(2.0, 2.6, n)  # our share of the account's spend
    # life cycle: 0 steady, 1 prospect (no orders), 2 new (first purchase after 2023-05), 3 dropped out
    life = _choice(rng, n, (0.80, 0.06, 0.14))
    entered = np.isin(sector * len(REGIONS) + region, _ENTERED_2025)  # markets entered in 2025: every account new
    life = np.where(entered & (life != 1), 2, life)
    start = rng.integers(0, 60, n)  # an existing customer's first purchase in the data
    new = life == 2
    start[new] = rng.integers(150, _DAYS - 120, new.sum())
    start[entered & new] = rng.integers(_DAY_2025, _DAYS - 60, (entered & new).sum())
    # purchase process: purchase days at rate λ per week while alive, an exponential lifetime of rate μ
    size = (demand / np.median(demand)) ** _RATE_SIZE_POWER
    rate = size / size.mean() * rng.gamma(_RATE_SHAPE, _RATE_MEAN / _RATE_SHAPE, n)
    lifetime = rng.exponential(1.0, n) / rng.gamma(_DROPOUT_SHAPE, 1.0 / _DROPOUT_RATE, n)  # weeks
    end = np.minimum(start + np.floor(lifetime * 7).astype(np.int64), _DAYS - 1)
    life = np.where((life != 1) & (end < _DAYS - 1), 3, life)
    trend = np.clip(rng.normal(0.1, 0.45, n), -0.9, 0.9)
    discount = np.where(rng.random(n) < 0.10, rng.uniform(0.12, 0.20, n), rng.uniform(0.0, 0.08, n))
    vip = rng.random(n) < np.where(np.isin(sector, [SECTORS.index(s) for s in ("military", "government",
                                                                                 "energy", "railway")]), 0.08, 0.02)
    return {
        "n": np.array(n), "region": region, "sector": sector, "rep": rep, "demand": demand,
        "wallet": wallet, "life": life, "start": start, "end": end, "trend": trend, "rate": np.minimum(rate, 3.0),
        "discount": discount, "vip": vip, "city": city,
        "name_u": name_u, "type_u": rng.random(n), "noise": rng.normal(0, 1, (n, 3)),
        "account_id": _ids("A", n).to_numpy(), "rep_ids": reps["rep_id"].to_numpy(),
    }


def _district_level(sector: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Whether the account's name template is a district-level unit (its template names a district)."""
    district = np.zeros(len(sector), dtype=bool)
    for code, templates in enumerate(_NAME_TEMPLATES[s] for s in SECTORS):
        mine = sector == code
        which = (u[mine] * len(templates)).astype(int)
        district[mine] = np.array(["{d}" in t for t in templates])[which]
    return district


def _orders(world: dict[str, np.ndarray], products: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = int(world["n"])
    active = world["life"] != 1
    weeks = (world["end"] - world["start"]) / 7.0
    # purchase days: the first at start, then a Poisson process of rate λ up to the end of the lifetime
    repeats = np.where(active, rng.poisson(world["rate"] * weeks), 0)
    n_days = np.where(active, 1 + repeats, 0)
    acc_day = np.repeat(np.arange(n), n_days)
    first = np.r_[0, np.cumsum(n_days)[:-1]][n_days > 0]
    lo, hi = world["start"][acc_day], world["end"][acc_day]
    day = lo + np.floor(rng.random(len(acc_day)) * (hi - lo + 1)).astype(np.int64)
    day[first] = world["start"][n_days > 0]
    # Chinese New Year slump: a share of February purchases slip into March
    month = (START + day.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12
    slip = (month == 1) & (rng.random(len(day)) < 0.4)
    day = np.where(slip, np.minimum(day + 28, hi), day)
    # one or more orders (different vehicles) per purchase day
    per_day = 1 + rng.poisson(_EXTRA_ORDERS, len(day))
    acc, days = np.repeat(acc_day, per_day), np.repeat(day, per_day)
    m = len(acc)
    n_orders = np.bincount(acc, minlength=n)
    span = (world["end"] - world["start"] + 1) / 365.0
    target = world["wallet"] * world["demand"] * span * active  # revenue over the window
    # product from the sector's family mix; products launched in 2025 replace an older one of the family
    fam_of_product = np.array([FAMILIES.index(f) for f in products["family"].to_numpy()])
    fam = _choice_by(rng, world["sector"][acc], _MIX + 0.05)
    per_fam = np.bincount(fam_of_product, minlength=len(FAMILIES))
    first_of_fam = np.searchsorted(fam_of_product, np.arange(len(FAMILIES)))
    prod = first_of_fam[fam] + np.floor(rng.random(m) * per_fam[fam]).astype(int)
    launch = np.array([_LAUNCHES.get(pid, 0) for pid in products["product_id"]])
    older = np.array([np.flatnonzero((fam_of_product == f) & (launch == 0))[0] for f in range(len(FAMILIES))])
    prod = np.where(days < launch[prod], older[fam], prod)
    price = products["unit_price"].to_numpy()[prod]
    unit_cost = products["unit_cost"].to_numpy()[prod]
    per_order = (target / np.maximum(n_orders, 1))[acc]
    qty = np.maximum(1, rng.poisson(np.clip(per_order / price, 0, 400))).astype(np.int64)
    disc = np.clip(world["discount"][acc] + rng.uniform(-0.02, 0.02, m), 0.0, 0.3)
    revenue = np.round(qty * price * (1 - disc), 2)
    cost = np.round(qty * unit_cost * (1 + rng.normal(0, 0.02, m)), 2)
    order = np.lexsort((acc, days))
    acc, days, prod, qty, revenue, cost = (x[order] for x in (acc, days, prod, qty, revenue, cost))
    world["order_acc"], world["order_days"], world["order_fam"] = acc, days, fam_of_product[prod]
    account_ids = pa.array(world["account_id"], type=pa.string())
    rep_ids = pa.array(world["rep_ids"], type=pa.string())
    return pd.DataFrame({
        "account_id": _str(account_ids.take(pa.array(acc))),
        "order_date": _dates(days),
        "revenue": revenue,
        "order_id": _ids("SO", m),
        "product_id": _take(products["product_id"].tolist(), prod),
        "rep_id": _str(rep_ids.take(pa.array(world["rep"][acc]))),
        "quantity": qty,
        "cost": cost,
    })


def _level_bins(demand: np.ndarray) -> np.ndarray:
    """Absolute thresholds (yuan) of levels 1..4 from annual-demand quantiles."""
    return np.quantile(demand, [0.05, 0.25, 0.55, 0.85])


def _finish_accounts(world: dict[str, np.ndarray], orders: pd.DataFrame) -> pd.DataFrame:
    n = int(world["n"])
    sector = world["sector"]
    idx = world["order_acc"]
    last12 = world["order_days"] > _DAYS - 1 - 365
    rev12 = np.bincount(idx[last12], weights=orders["revenue"].to_numpy()[last12], minlength=n)
    bins = _level_bins(world["demand"])
    capacity = np.searchsorted(bins, world["demand"], side="right")
    purchase = np.minimum(np.searchsorted(bins, rev12, side="right"), capacity)
    # relationship stage from life cycle and share of wallet
    wallet = np.clip(world["wallet"] + 0.08 * world["noise"][:, 0], 0, 1)
    stage = np.searchsorted([0.22, 0.45, 0.68], wallet, side="right") + 1  # early..synergistic
    stage = np.where(world["life"] == 2, np.minimum(stage, 2), stage)
    stage = np.where(world["life"] == 1, 0, stage)
    stage = np.where(world["life"] == 3, 5, stage)
    # customer type by sector family
    probs = np.array([_CUSTOMER_TYPE_P[_SECTOR_TYPE[s]] for s in range(len(SECTORS))])
    ctype = (world["type_u"][:, None] >= np.cumsum(probs[sector], axis=1)).sum(axis=1).clip(0, 3)
    # potential: future demand rank; capability: our strength at the account
    growth = 1 + np.clip(world["trend"] + 0.25 * world["noise"][:, 1], -0.9, 1.5)
    potential = 100 * pd.Series(world["demand"] * growth).rank(pct=True).to_numpy()
    capability = np.clip(30 + 70 * wallet * (world["life"] != 1) + 8 * world["noise"][:, 2]
                         - 20 * (world["life"] == 3), 0, 100)
    return pd.DataFrame({
        "account_id": _str(world["account_id"]),
        "account_name": _str(_account_names(world)),
        "region": _take(REGIONS, world["region"]),
        "city": _str(_city_names(world)),
        "sector": _take(SECTORS, sector),
        "customer_type": _take(CUSTOMER_TYPES, ctype),
        "rep_id": _str(world["rep_ids"][world["rep"]]),
        "vip": world["vip"],
        "purchase_level": purchase.astype(np.int64),
        "capacity_level": capacity.astype(np.int64),
        "potential": np.round(potential, 1),
        "capability": np.round(capability, 1),
        "annual_demand": np.round(world["demand"], 2),
        "relationship_stage": _take(RELATIONSHIP_STAGES, stage),
    })


def _city_names(world: dict[str, np.ndarray]) -> np.ndarray:
    table = np.array([_CITIES[r] for r in REGIONS], dtype=object)
    return table[world["region"], world["city"]]


def _account_names(world: dict[str, np.ndarray]) -> list[str]:
    """Chinese company names, unique within the table."""
    cities = _city_names(world)
    u = world["name_u"]
    names = []
    for i, (city, sector) in enumerate(zip(cities, world["sector"])):
        templates = _NAME_TEMPLATES[SECTORS[sector]]
        template = templates[int(u[i, 0] * len(templates))]
        names.append(template.format(c=city, w=_WORDS[int(u[i, 1] * len(_WORDS))],
                                     d=_DISTRICTS[int(u[i, 2] * len(_DISTRICTS))]))
    seen = pd.Series(names).groupby(names, sort=False).cumcount().to_numpy()
    return [n if k == 0 else f"{n}（{k + 1}）" for n, k in zip(names, seen)]


def _finish_reps(reps: pd.DataFrame, world: dict[str, np.ndarray], orders: pd.DataFrame,
                 rng: np.random.Generator) -> pd.DataFrame:
    n_reps = len(reps)
    in_2025 = world["order_days"] >= int((np.datetime64("2025-01-01") - START).astype(int))
    idx = world["rep"][world["order_acc"][in_2025]]
    rev = np.bincount(idx, weights=orders["revenue"].to_numpy()[in_2025], minlength=n_reps)
    target = np.maximum(np.round(rev * np.exp(rng.normal(0.0, 0.12, n_reps)), -4), 1e5)
    met = rev >= target
    recognised = rng.random(n_reps) < np.where(met, 0.6, 0.54)
    out = reps.drop(columns="_region").copy()
    out["sales_target"] = target
    out["target_met"] = met
    out["recognised"] = recognised
    return out


def _opportunities(world: dict[str, np.ndarray], products: pd.DataFrame,
                   rng: np.random.Generator) -> pd.DataFrame:
    n = int(world["n"])
    size = np.sqrt(world["demand"] / np.median(world["demand"]))
    n_opp = rng.poisson(np.clip(1.0 + 3.6 * size / max(size.mean(), 1e-9), 0, 60))
    acc = np.repeat(np.arange(n), n_opp)
    m = len(acc)
    lo = np.maximum(world["start"][acc] - 90, 0)
    hi = np.minimum(world["end"][acc] + 30, _DAYS - 10)
    created = lo + np.floor(rng.random(m) * (hi - lo + 1)).astype(np.int64)
    cycle = np.exp(rng.normal(3.6, 0.6, m)).astype(np.int64) + 3
    closed = created + cycle
    open_ = (closed > _DAYS - 1) | ((created > _DAYS - 180) & (rng.random(m) < 0.5))
    source = _choice(rng, m, _SOURCE_WEIGHTS)
    p_win = np.asarray(_SOURCE_WIN)[source] * (0.7 + 0.8 * world["wallet"][acc])
    p_win = np.where(world["life"][acc] == 1, 0.0, np.clip(p_win, 0, 0.95))
    p_win = np.where(closed > world["end"][acc], 0.0, p_win)  # no wins after churn
    won = ~open_ & (rng.random(m) < p_win)
    status = np.where(open_, 2, np.where(won, 0, 1))
    stage = np.where(won, 4, np.where(open_, _choice(rng, m, (0.05, 0.30, 0.35, 0.20, 0.10)),
                                      _choice(rng, m, (0.15, 0.35, 0.30, 0.20))))
    fam = _choice_by(rng, world["sector"][acc], _MIX + 0.05)
    fam_of_product = np.array([FAMILIES.index(f) for f in products["family"]])
    per_fam = np.bincount(fam_of_product, minlength=len(FAMILIES))
    prod = np.searchsorted(fam_of_product, fam) + np.floor(rng.random(m) * per_fam[fam]).astype(int)
    qty = 1 + rng.poisson(np.clip(2.0 * size[acc], 0, 200))
    amount = np.round(qty * products["unit_price"].to_numpy()[prod] * (1 - world["discount"][acc]), 2)
    lost = status == 1
    weights = np.tile(_LOSS_WEIGHTS, (len(FAMILIES), 1))  # family × reason
    weights[[FAMILIES.index("tractor"), FAMILIES.index("heavy_truck")], LOSS_REASONS.index("power_handling")] *= 2.5
    weights[[FAMILIES.index("sanitation"), FAMILIES.index("special")], LOSS_REASONS.index("configuration")] *= 2.5
    reason = _choice_by(rng, fam, weights)
    reason = np.where(lost & (rng.random(m) >= 0.12), reason, -1)
    has_comp = np.where(lost, rng.random(m) < 0.9, rng.random(m) < 0.45)
    comp = np.where(has_comp, _choice(rng, m, _COMPETITOR_WEIGHTS), -1)
    order = np.lexsort((acc, created))
    acc, created, closed, open_, status, stage, prod, amount, reason, comp, source = (
        x[order] for x in (acc, created, closed, open_, status, stage, prod, amount, reason, comp, source))
    return pd.DataFrame({
        "opportunity_id": _ids("OP", m),
        "status": _take(("won", "lost", "open"), status),
        "account_id": _str(pa.array(world["account_id"], type=pa.string()).take(pa.array(acc))),
        "rep_id": _str(pa.array(world["rep_ids"], type=pa.string()).take(pa.array(world["rep"][acc]))),
        "product_id": _take(products["product_id"].tolist(), prod),
        "created_date": _dates(created),
        "closed_date": _dates(np.where(open_, -1, closed)),
        "stage": _take(STAGES, stage),
        "amount": amount,
        "loss_reason": _take(LOSS_REASONS, reason),
        "competitor": _take(COMPETITORS, comp),
        "source": _take(SOURCES, source),
    })


def _visits(world: dict[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    n = int(world["n"])
    rank = pd.Series(world["demand"] * (0.3 + world["wallet"])).rank(pct=True, method="first").to_numpy()
    lam = np.where(rank > 0.8, 40.0, np.where(rank > 0.5, 15.0, 6.0))
    lam = np.where(world["vip"], np.maximum(lam, 40.0), lam)
    lam = np.where(world["life"] == 1, 4.0, lam)
    n_vis = rng.poisson(lam)
    acc = np.repeat(np.arange(n), n_vis)
    m = len(acc)
    lo = np.maximum(world["start"][acc] - 60, 0)
    hi = np.minimum(world["end"][acc] + 120, _DAYS - 1)
    days = _weekday_shift(lo + np.floor(rng.random(m) * (hi - lo + 1)).astype(np.int64))
    kind = _choice(rng, m, _VISIT_KIND_WEIGHTS)
    objective = _choice(rng, m, _OBJECTIVE_WEIGHTS)
    outcome = _choice_by(rng, objective, _OUTCOME_MIX)
    accepted = np.isin(outcome, [OUTCOMES.index(o) for o in _ACCEPTED_OUTCOMES])
    # notes: outcome remarks, competitor mentions (frequent at churning accounts), or none
    texts: list[str] = []
    offsets = []
    for o in OUTCOMES:
        offsets.append(len(texts))
        texts.extend(_NOTES[o])
    counts = np.array([len(_NOTES[o]) for o in OUTCOMES])
    base = np.asarray(offsets)[outcome] + np.floor(rng.random(m) * counts[outcome]).astype(int)
    comp_offset = len(texts)
    texts.extend(t.format(k=k) for t in _COMPETITOR_NOTES for k in COMPETITORS)
    churning = world["life"][acc] == 3
    late = days > world["end"][acc] - 300
    p_comp = np.where(churning & late, 0.35, 0.05)
    mention = rng.random(m) < p_comp
    comp_note = (comp_offset + np.floor(rng.random(m) * len(_COMPETITOR_NOTES)).astype(int) * len(COMPETITORS)
                 + _choice(rng, m, _COMPETITOR_WEIGHTS))
    note = np.where(mention, comp_note, np.where(rng.random(m) < 0.1, -1, base))
    order = np.lexsort((acc, days))
    acc, days, kind, objective, outcome, accepted, note = (
        x[order] for x in (acc, days, kind, objective, outcome, accepted, note))
    return pd.DataFrame({
        "account_id": _str(pa.array(world["account_id"], type=pa.string()).take(pa.array(acc))),
        "visit_date": _dates(days),
        "visit_id": _ids("V", m),
        "rep_id": _str(pa.array(world["rep_ids"], type=pa.string()).take(pa.array(world["rep"][acc]))),
        "kind": _take(VISIT_KINDS, kind),
        "objective": _take(OBJECTIVES, objective),
        "outcome": _take(OUTCOMES, outcome),
        "accepted": accepted,
        "notes": _take(texts, note),
    })


def _leads(n_accounts: int, reps: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    m = 2 * n_accounts
    created = np.floor(rng.random(m) ** 0.9 * _DAYS).astype(np.int64).clip(0, _DAYS - 1)
    channel = _choice(rng, m, _SOURCE_WEIGHTS)
    money = rng.random(m) < 0.6
    authority = rng.random(m) < 0.5
    need = rng.random(m) < np.where(np.asarray(channel) == 0, 0.85, 0.65)
    man = money.astype(int) + authority + need
    to_close = np.exp(rng.normal(3.3, 0.8, m)).astype(np.int64) + 1
    expected = created + to_close
    open_ = (expected > _DAYS - 1) | (created > _DAYS - 60)
    # open leads: expected close counted from the as-of date 2025-12-31
    expected = np.where(open_, np.maximum(expected, _DAYS + np.floor(rng.exponential(25, m)).astype(np.int64)),
                        expected)
    won = ~open_ & (rng.random(m) < np.array([0.02, 0.08, 0.25, 0.55])[man])
    status = np.where(open_, 2, np.where(won, 0, 1))
    ahead = expected - (_DAYS - 1)
    grade_open = np.searchsorted([7, 15, 30], ahead, side="left") + 1  # H, A, B, C
    grade = np.where(won, 0, np.where(open_, grade_open, _choice(rng, m, (0.15, 0.25, 0.3, 0.3)) + 1))
    size = money * 1.0 + rng.normal(0, 0.6, m)
    importance = np.where(size > 1.1, 0, np.where(size > 0.4, 1, 2))
    region_names = _cities_flat(rng, m)
    world_like = {
        "sector": _choice(rng, m, _SECTOR_WEIGHTS),
        "name_u": rng.random((m, 3)),
    }
    names = _lead_names(world_like, region_names)
    rep = rng.integers(0, len(reps), m)
    order = np.argsort(created, kind="stable")
    cols = (created, channel, money, authority, need, expected, importance, grade, status, rep)
    created, channel, money, authority, need, expected, importance, grade, status, rep = (x[order] for x in cols)
    names = np.asarray(names, dtype=object)[order]
    return pd.DataFrame({
        "lead_id": _ids("L", m),
        "created_date": _dates(created),
        "channel": _take(CHANNELS, channel),
        "money": money,
        "authority": authority,
        "need": need,
        "expected_close_date": _dates(expected),
        "importance": _take(IMPORTANCE, importance),
        "grade": _take(GRADES, grade),
        "status": _take(("won", "lost", "open"), status),
        "account_name": _str(names),
        "rep_id": _str(reps["rep_id"].to_numpy()[rep]),
    })


def _cities_flat(rng: np.random.Generator, m: int) -> np.ndarray:
    flat = np.array([c for r in REGIONS for c in _CITIES[r]], dtype=object)
    return flat[rng.integers(0, len(flat), m)]


def _lead_names(world_like: dict[str, np.ndarray], cities: np.ndarray) -> list[str]:
    u = world_like["name_u"]
    out = []
    for i, (city, sector) in enumerate(zip(cities, world_like["sector"])):
        templates = _NAME_TEMPLATES[SECTORS[sector]]
        out.append(templates[int(u[i, 0] * len(templates))].format(
            c=city, w=_WORDS[int(u[i, 1] * len(_WORDS))], d=_DISTRICTS[int(u[i, 2] * len(_DISTRICTS))]))
    return out


def _showroom(n_accounts: int, rng: np.random.Generator) -> pd.DataFrame:
    scale = n_accounts / SAMPLE_ACCOUNTS
    months = np.arange(np.datetime64("2023-01", "M"), np.datetime64("2026-01", "M"))
    k = len(months)
    moy = months.astype(int) % 12
    year = months.astype(int) // 12 - 53
    traffic = rng.poisson(420 * scale * _SEASON[moy] * (1 + 0.06 * year) * rng.uniform(0.9, 1.1, k))
    first = rng.binomial(traffic, 0.62)
    records = rng.binomial(first, 0.55)
    showroom_sales = rng.binomial(records, 0.20)
    return pd.DataFrame({
        "month": pd.Series(months.astype("datetime64[D]").astype("datetime64[s]")),
        "traffic": traffic,
        "first_visits": first,
        "phone_enquiries": rng.poisson(0.35 * traffic),
        "events": rng.binomial(traffic, 0.08),
        "referrals": rng.binomial(first, 0.18),
        "records": records,
        "test_drives": rng.binomial(first, 0.28),
        "stay_30min": rng.binomial(first, 0.42),
        "showroom_sales": showroom_sales,
        "secondary_sales": rng.poisson(0.35 * showroom_sales + 0.5),
        "wholesale_sales": rng.poisson(0.20 * showroom_sales + 0.5),
    }).astype({c: np.int64 for c in ("traffic", "first_visits", "records", "showroom_sales")})


def _market(world: dict[str, np.ndarray], orders: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n_r, n_s, years = len(REGIONS), len(FAMILIES), (2023, 2024, 2025)
    acc, fam = world["order_acc"], world["order_fam"]
    year = (START + world["order_days"].astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970
    year = year - years[0]
    cell = (world["region"][acc] * n_s + fam) * len(years) + year
    ours = np.bincount(cell, weights=orders["revenue"].to_numpy(), minlength=n_r * n_s * len(years))
    ours = ours.reshape(n_r, n_s, len(years))
    # market path: 2023 size from our 2023 share, then yearly growth
    share0 = rng.uniform(0.04, 0.30, (n_r, n_s))
    fallback = np.median(ours[ours > 0]) if (ours > 0).any() else 1e7
    base = np.where(ours[:, :, 0] > 0, ours[:, :, 0], fallback) / share0
    trend = rng.uniform(-0.04, 0.20, (n_r, n_s))
    growth = trend[:, :, None] + rng.normal(0, 0.03, (n_r, n_s, len(years)))
    size = base[:, :, None] * np.cumprod(1 + growth, axis=2) / (1 + growth[:, :, :1])
    size = np.maximum(size, ours / 0.5)
    growth[:, :, 1:] = size[:, :, 1:] / size[:, :, :-1] - 1
    relative = np.exp(rng.uniform(np.log(0.15), np.log(4.0), (n_r, n_s)))[:, :, None]
    leader = np.where(ours > 0, ours / relative, size * rng.uniform(0.1, 0.3, (n_r, n_s, 1)))
    leader = np.clip(leader, 0, size - ours)
    r, s, y = np.meshgrid(np.arange(n_r), np.arange(n_s), np.arange(len(years)), indexing="ij")
    return pd.DataFrame({
        "market_size": np.round(size.ravel(), 2),
        "our_sales": np.round(ours.ravel(), 2),
        "region": _take(REGIONS, r.ravel()),
        "segment": _take(FAMILIES, s.ravel()),
        "year": (y.ravel() + years[0]).astype(np.int64),
        "market_growth": np.round(growth.ravel(), 2) + 0.0,
        "leader_sales": np.round(leader.ravel(), 2),
    })


def _contacts(world: dict[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    n = int(world["n"])
    rank = pd.Series(world["demand"]).rank(pct=True).to_numpy()
    n_c = np.where(world["life"] == 1, 2 + rng.poisson(0.5, n), 3 + rng.poisson(0.5 + 2.0 * rank))
    n_c = np.minimum(n_c, 10)
    acc = np.repeat(np.arange(n), n_c)
    m = len(acc)
    pos = np.arange(m) - np.repeat(np.cumsum(n_c) - n_c, n_c)
    slots = _CONTACT_SLOTS + _EXTRA_SLOTS
    slot = np.where(pos < len(_CONTACT_SLOTS), pos,
                    len(_CONTACT_SLOTS) + _choice(rng, m, (0.35, 0.45, 0.20)))
    layer = np.array([LAYERS.index(s[0]) for s in slots])[slot]
    role = np.array([BUYER_ROLES.index(s[1]) for s in slots])[slot]
    titles = [t for s in slots for t in s[2]]
    t_off = np.cumsum([0] + [len(s[2]) for s in slots])[:-1]
    t_len = np.array([len(s[2]) for s in slots])
    title = t_off[slot] + np.floor(rng.random(m) * t_len[slot]).astype(int)
    inf_lo = np.array([s[3] for s in slots])[slot]
    inf_hi = np.array([s[4] for s in slots])[slot]
    influence = inf_lo + np.floor(rng.random(m) * (inf_hi - inf_lo + 1)).astype(int)
    stage_bonus = np.clip(world["wallet"][acc] * 3, 0, 2.5) - 1.5 * (world["life"][acc] == 3)
    closeness = np.clip(np.round(1.5 + stage_bonus + rng.normal(0, 0.9, m)), 1, 5)
    need = _choice_by(rng, layer, _LAYER_NEEDS)
    style = np.where(rng.random(m) < 0.7, np.array([SOCIAL_STYLES.index(s) for s in _NEED_STYLE])[need],
                     rng.integers(0, len(SOCIAL_STYLES), m))
    return pd.DataFrame({
        "account_id": _str(pa.array(world["account_id"], type=pa.string()).take(pa.array(acc))),
        "name": _str(_names(rng, m)),
        "contact_id": _ids("C", m),
        "title": _take(titles, title),
        "layer": _take(LAYERS, layer),
        "buyer_role": _take(BUYER_ROLES, role),
        "influence": influence.astype(np.int64),
        "closeness": closeness.astype(np.int64),
        "basic_need": _take(BASIC_NEEDS, need),
        "social_style": _take(SOCIAL_STYLES, style),
    })


def _factors(rng: np.random.Generator) -> pd.DataFrame:
    k = len(_FACTORS)
    kind = np.array([f[0] for f in _FACTORS])
    internal = np.isin(kind, ["S", "W"])
    region = np.where(rng.random(k) < 0.45, -1, _choice(rng, k, _REGION_WEIGHTS))
    probability = np.where(internal, rng.uniform(0.6, 1.0, k), rng.uniform(0.15, 0.9, k))
    return pd.DataFrame({
        "statement": _str([f[2] for f in _FACTORS]),
        "kind": _str(kind),
        "factor_id": _ids("F", k),
        "category": _str([f[1] for f in _FACTORS]),
        "region": _take(REGIONS, region),
        "probability": np.round(probability, 2),
        "impact": rng.integers(1, 6, k).astype(np.int64),
    })
