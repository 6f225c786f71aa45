"""The shipped Ames house-price file and its loader, checked against the source.

The expected values are facts of De Cock's (2011) data set, not outputs of
the loader: its first sale (row 1 of AmesHousing.txt), its size, its ranges,
and the five sales above 4000 square feet that the article singles out.
"""

import subprocess
import sys
from importlib.resources import files

import numpy as np
import pytest

from knnlib.datasets import load_house_prices

CSV = files("knnlib").joinpath("data", "ames_house_prices.csv")
FEATURES = ["living_area", "overall_quality", "year_built", "lot_area", "bedrooms", "full_baths", "year_sold"]


def test_file_is_small_and_ships_inside_the_package():
    assert CSV.is_file()
    assert len(CSV.read_bytes()) < 300_000
    assert files("knnlib").joinpath("data", "README.md").is_file()


def test_header_and_first_sale_match_the_source():
    # AmesHousing.txt, Order 1: PID 0526301100, Lot Area 31770, Overall Qual 6,
    # Year Built 1960, Gr Liv Area 1656, Full Bath 1, Bedroom AbvGr 3,
    # Yr Sold 2010, SalePrice 215000.
    lines = CSV.read_text(encoding="ascii").splitlines()
    assert lines[0] == "pid," + ",".join(FEATURES) + ",sale_price"
    assert lines[1] == "526301100,1656,6,1960,31770,3,1,2010,215000"
    assert len(lines) == 1 + 2930


def test_loader_agrees_with_an_independent_parse():
    table = np.loadtxt(CSV, delimiter=",", skiprows=1)
    houses = load_house_prices()
    assert houses.feature_names == FEATURES
    assert houses.target_name == "sale_price"
    np.testing.assert_array_equal(houses.data, table[:, 1:-1])
    np.testing.assert_array_equal(houses.target, table[:, -1])
    np.testing.assert_array_equal(houses.pid, table[:, 0])
    assert houses.data.dtype == houses.target.dtype == np.float64


def test_facts_of_the_data_set():
    houses = load_house_prices(["living_area", "overall_quality", "year_sold"])
    area, quality, year_sold = houses.data.T
    assert len(np.unique(houses.pid)) == 2930            # one row per sale
    assert houses.target.min() == 12_789 and houses.target.max() == 755_000
    assert set(year_sold) == {2006, 2007, 2008, 2009, 2010}
    assert quality.min() == 1 and quality.max() == 10
    # De Cock: five houses above 4000 sq ft, three of them partial sales
    # priced far below their size (under $200,000), two very expensive.
    large = area > 4000
    assert large.sum() == 5
    assert sorted(houses.target[large]) == [160_000, 183_850, 184_750, 745_000, 755_000]


def test_features_select_and_order_columns():
    both = load_house_prices(["year_built", "living_area"])
    everything = load_house_prices()
    np.testing.assert_array_equal(both.data[:, 0], everything.data[:, FEATURES.index("year_built")])
    np.testing.assert_array_equal(both.data[:, 1], everything.data[:, FEATURES.index("living_area")])
    assert both.feature_names == ["year_built", "living_area"]


@pytest.mark.parametrize(
    ("features", "error", "message"),
    [
        ("living_area", TypeError, r"write \['living_area'\]"),
        ([3], TypeError, "got 3 of type int"),
        (["sale_price"], ValueError, "Unknown feature 'sale_price'"),
        (["pid"], ValueError, "Unknown feature 'pid'"),
        ([], ValueError, "at least one column"),
        (["bedrooms", "bedrooms"], ValueError, "must not repeat"),
    ],
)
def test_bad_features(features, error, message):
    with pytest.raises(error, match=message):
        load_house_prices(features)


def test_loading_works_without_pandas():
    # knnlib must not require pandas: hide it (an import of it then fails) and load.
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from knnlib.datasets import load_house_prices\n"
        "print(load_house_prices().data.shape)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "(2930, 7)"
