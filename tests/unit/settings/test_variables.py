"""Every Variable declared once (zoom_archiver.settings.variables): the table feeds the reader and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zoom_archiver.errors import ConfigurationError
from zoom_archiver.settings.variables import BY_NAME, VARIABLES, read_variables, readme_table

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ROOT / "plugins" / "zoom_archiver"


def test_the_readme_table_is_the_declared_one():
    readme = (ROOT / "README.md").read_text()
    assert readme_table() in readme, (
        "README's table of Variables differs from zoom_archiver.settings.variables; replace it with:\n" + readme_table()
    )


def test_every_variable_the_product_names_is_declared():
    named = set()
    for path in PRODUCT.rglob("*.py"):
        named |= set(re.findall(r"\bzoom_archive_[a-z_]+[a-z]\b", path.read_text()))
    undeclared = {n for n in named if n not in BY_NAME and not n.startswith("zoom_archive_object_lock_")}
    assert undeclared == set()


def test_names_are_unique_and_described():
    assert len(BY_NAME) == len(VARIABLES)
    assert all(v.description and v.name.startswith("zoom_archive_") for v in VARIABLES)


def test_unset_blank_and_null_mean_the_default():
    values = {"zoom_archive_lookback_days": "  ", "zoom_archive_max_files_per_run": None}
    var = read_variables(lambda name, default=None: values.get(name, default))
    assert var["zoom_archive_lookback_days"] == 7
    assert var["zoom_archive_max_files_per_run"] == 500
    assert var["zoom_archive_prefix"] == "zoom"
    assert not var.is_set("zoom_archive_lookback_days")


def test_each_value_is_read_once():
    reads: list[str] = []

    def get(name, default=None):
        reads.append(name)
        return "12"

    var = read_variables(get)
    assert var["zoom_archive_lookback_days"] == var["zoom_archive_lookback_days"] == 12
    assert reads == ["zoom_archive_lookback_days"]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("zoom_archive_lookback_days", "0", "zoom_archive_lookback_days must be between 1 and 3650, got 0"),
        ("zoom_archive_part_size_mib", "eight", "zoom_archive_part_size_mib must be an integer, got 'eight'"),
        ("zoom_archive_legal_hold", "maybe", "zoom_archive_legal_hold must be true or false"),
        ("zoom_archive_object_lock_mode", "strict", "must be GOVERNANCE or COMPLIANCE, got 'STRICT'"),
        ("zoom_archive_storage_class", "cold", "must be one of STANDARD, STANDARD_IA"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_value(name, value, message):
    var = read_variables(lambda n, default=None: value if n == name else default)
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        var[name]


def test_lists_and_choices_are_normalised():
    values = {"zoom_archive_alert_emails": "a@x.org; b@x.org,, ", "zoom_archive_storage_class": " glacier_ir "}
    var = read_variables(lambda name, default=None: values.get(name, default))
    assert var["zoom_archive_alert_emails"] == ("a@x.org", "b@x.org")
    assert var["zoom_archive_storage_class"] == "GLACIER_IR"
