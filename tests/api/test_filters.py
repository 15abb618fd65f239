"""Query filters: ONTAP's operators on strings, integers and date-times.

Queries are sent byte for byte (raw ASGI requests), so operator characters such
as `>`, `|` and `"` reach the server exactly as a client like curl sends them.
"""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from ontap_ipsec.app import OntapApp
from ontap_ipsec.store.tables import jobs as jobs_table
from tests.api.helpers import (
    JOBS,
    SVMS,
    assert_error,
    make_svms,
    name_set,
    raw_request,
)

WORLD = [
    ("vs1", "alpha"),
    ("vs2", None),
    ("VS3", "beta"),
    ("svm_a", "a|b"),
    ("svmXa", "50% off"),
    ("svm1a", "50x off"),
    ("zeta", "m"),
    ("mid", None),
    ("vs10", "zulu"),
]
ALL = {name for name, _ in WORLD}

# Jobs inserted directly, for integer and date-time comparisons.
JOB_ROWS = [
    ("t-a", 0, datetime(2024, 1, 1, 0, 0, 0)),
    ("t-b", 5, datetime(2024, 1, 2, 0, 0, 0)),
    ("t-c", 10, datetime(2024, 1, 3, 12, 30, 0)),
    ("t-d", 262145, datetime(2024, 2, 1, 0, 0, 0)),
    ("t-e", 7, None),
]


@pytest.fixture(scope="module")
def world(module_app: OntapApp, module_api: httpx.Client) -> OntapApp:
    make_svms(module_api, WORLD)
    with module_app.ctx.store.write() as conn:
        for i, (description, code, start) in enumerate(JOB_ROWS):
            conn.execute(
                jobs_table.insert().values(
                    uuid=f"00000000-0000-0000-0000-00000000000{i}",
                    description=description,
                    state="failure" if code else "success",
                    message="m",
                    code=code,
                    start_time=start,
                    end_time=start,
                )
            )
    return module_app


def svm_names(app: OntapApp, query: str) -> set[str]:
    return name_set(raw_request(app, "GET", f"{SVMS}?{query}"))


def job_descriptions(app: OntapApp, query: str) -> set[str]:
    response = raw_request(app, "GET", f"{JOBS}?description=t-*&fields=description&{query}")
    assert response.status_code == 200, response.text
    return {r["description"] for r in response.json()["records"]}


# --- equality and inequality -------------------------------------------------


def test_equal_filter_matches_the_exact_value_only(world: OntapApp) -> None:
    assert svm_names(world, "name=vs1") == {"vs1"}


def test_equal_filter_is_case_sensitive(world: OntapApp) -> None:
    assert svm_names(world, "name=vs3") == set()


def test_not_equal_filter_excludes_the_value(world: OntapApp) -> None:
    assert svm_names(world, "name=!vs1") == ALL - {"vs1"}


def test_not_equal_filter_does_not_match_records_with_the_field_unset(world: OntapApp) -> None:
    assert svm_names(world, "comment=!alpha") == {
        "VS3", "svm_a", "svmXa", "svm1a", "zeta", "vs10",
    }


# --- ordering comparisons on strings ------------------------------------------


def test_less_than_on_strings(world: OntapApp) -> None:
    assert svm_names(world, "name=<svm") == {"VS3", "mid"}


def test_greater_than_on_strings(world: OntapApp) -> None:
    assert svm_names(world, "name=>vs1") == {"vs10", "vs2", "zeta"}


def test_less_or_equal_on_strings(world: OntapApp) -> None:
    assert svm_names(world, "name=<=svm_a") == {"VS3", "mid", "svm_a", "svmXa", "svm1a"}


def test_greater_or_equal_on_strings(world: OntapApp) -> None:
    assert svm_names(world, "name=>=vs2") == {"vs2", "zeta"}


def test_comparison_never_matches_unset_fields(world: OntapApp) -> None:
    assert svm_names(world, "comment=<zzzz") == ALL - {"vs2", "mid"}


# --- wildcards ------------------------------------------------------------------


def test_trailing_wildcard(world: OntapApp) -> None:
    assert svm_names(world, "name=vs*") == {"vs1", "vs2", "vs10"}


def test_wildcard_is_case_sensitive(world: OntapApp) -> None:
    assert svm_names(world, "name=VS*") == {"VS3"}


def test_leading_and_inner_wildcards(world: OntapApp) -> None:
    assert svm_names(world, "name=*a") == {"svm_a", "svmXa", "svm1a", "zeta"}
    assert svm_names(world, "name=s*a") == {"svm_a", "svmXa", "svm1a"}


def test_underscore_in_a_wildcard_is_literal(world: OntapApp) -> None:
    assert svm_names(world, "name=svm_*") == {"svm_a"}


def test_percent_in_a_wildcard_is_literal(world: OntapApp) -> None:
    # %25 is the percent-encoded "%": the pattern is `50%*`.
    assert svm_names(world, "comment=50%25*") == {"svmXa"}


def test_negated_wildcard_excludes_matches_and_unset_fields(world: OntapApp) -> None:
    assert svm_names(world, "name=!vs*") == ALL - {"vs1", "vs2", "vs10"}
    assert svm_names(world, "comment=!a*") == {"VS3", "svmXa", "svm1a", "zeta", "vs10"}


# --- OR, ranges, null -----------------------------------------------------------


def test_pipe_is_or(world: OntapApp) -> None:
    assert svm_names(world, "name=vs1|zeta|nosuch") == {"vs1", "zeta"}


def test_range_is_inclusive_on_both_ends(world: OntapApp) -> None:
    assert svm_names(world, "name=vs1..vs2") == {"vs1", "vs10", "vs2"}


def test_range_on_a_nullable_field_skips_unset(world: OntapApp) -> None:
    assert svm_names(world, "comment=a..b") == {"vs1", "svm_a"}


def test_null_selects_records_with_the_field_unset(world: OntapApp) -> None:
    assert svm_names(world, "comment=null") == {"vs2", "mid"}


def test_null_on_a_required_field_matches_nothing(world: OntapApp) -> None:
    assert svm_names(world, "name=null") == set()


def test_not_null_selects_records_with_the_field_set(world: OntapApp) -> None:
    assert svm_names(world, "comment=!null") == ALL - {"vs2", "mid"}


def test_comparison_or_null(world: OntapApp) -> None:
    assert svm_names(world, "comment=>m") == {"vs10"}
    assert svm_names(world, "comment=>m|null") == {"vs10", "vs2", "mid"}


def test_two_parameters_are_anded(world: OntapApp) -> None:
    assert svm_names(world, "name=vs*&comment=!null") == {"vs1", "vs10"}


def test_the_same_field_twice_is_anded(world: OntapApp) -> None:
    assert svm_names(world, "name=vs*&name=!vs1") == {"vs2", "vs10"}


def test_dotted_nested_field_filter(world: OntapApp) -> None:
    response = raw_request(world, "GET", f"{SVMS}?ipspace.name=Default")
    assert name_set(response) == ALL
    assert all(r["ipspace"]["name"] == "Default" for r in response.json()["records"])
    assert svm_names(world, "ipspace.name=Other") == set()


# --- quoting ------------------------------------------------------------------------


def test_quoted_value_is_taken_literally(world: OntapApp) -> None:
    assert svm_names(world, 'comment="a|b"') == {"svm_a"}


def test_quoted_pipe_is_not_an_or(world: OntapApp) -> None:
    assert svm_names(world, "name=vs1|zeta") == {"vs1", "zeta"}
    assert svm_names(world, 'name="vs1|zeta"') == set()


def test_quoted_operator_characters_are_literal(world: OntapApp) -> None:
    assert svm_names(world, 'name="vs*"') == set()
    assert svm_names(world, 'name="vs1"') == {"vs1"}


# --- errors ---------------------------------------------------------------------------


def test_unknown_filter_field_is_400_code_262179(world: OntapApp) -> None:
    response = raw_request(world, "GET", f"{SVMS}?x=1")
    assert_error(response, 400, "262179", 'Unexpected argument "x".')


def test_bad_integer_filter_value_is_400_code_262197(world: OntapApp) -> None:
    assert_error(
        raw_request(world, "GET", f"{JOBS}?code=abc"),
        400, "262197", 'The value "abc" is invalid for field "code" (<integer>)', "code",
    )


def test_bad_datetime_filter_value_is_400_code_262197(world: OntapApp) -> None:
    response = raw_request(world, "GET", f"{JOBS}?start_time=yesterday")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "start_time"


def test_bad_enum_filter_value_is_400_code_262197(world: OntapApp) -> None:
    response = raw_request(world, "GET", f"{SVMS}?state=sleeping")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "state"


# --- integers and date-times (jobs) ----------------------------------------------------


def test_integer_equal(world: OntapApp) -> None:
    assert job_descriptions(world, "code=5") == {"t-b"}


def test_integer_comparisons_are_numeric_not_textual(world: OntapApp) -> None:
    assert job_descriptions(world, "code=>7") == {"t-c", "t-d"}
    assert job_descriptions(world, "code=<7") == {"t-a", "t-b"}
    assert job_descriptions(world, "code=<=7") == {"t-a", "t-b", "t-e"}
    assert job_descriptions(world, "code=>=10") == {"t-c", "t-d"}


def test_integer_range(world: OntapApp) -> None:
    assert job_descriptions(world, "code=5..10") == {"t-b", "t-c", "t-e"}


def test_datetime_greater_than(world: OntapApp) -> None:
    assert job_descriptions(world, "start_time=>2024-01-02T00:00:00Z") == {"t-c", "t-d"}


def test_datetime_less_than_skips_unset(world: OntapApp) -> None:
    assert job_descriptions(world, "start_time=<2024-01-03T00:00:00Z") == {"t-a", "t-b"}


def test_datetime_less_or_equal_and_greater_or_equal(world: OntapApp) -> None:
    assert job_descriptions(world, "start_time=<=2024-01-02T00:00:00Z") == {"t-a", "t-b"}
    assert job_descriptions(world, "start_time=>=2024-01-03T12:30:00Z") == {"t-c", "t-d"}


def test_datetime_equal_with_a_utc_offset(world: OntapApp) -> None:
    # 02:00 at +02:00 is midnight UTC.
    assert job_descriptions(world, "start_time=2024-01-02T02:00:00%2B02:00") == {"t-b"}


def test_datetime_range_and_null(world: OntapApp) -> None:
    query = "start_time=2024-01-02T00:00:00Z..2024-01-31T00:00:00Z"
    assert job_descriptions(world, query) == {"t-b", "t-c"}
    assert job_descriptions(world, "start_time=null") == {"t-e"}


# --- fields with a fixed value (no column): the same operators apply ----------------------


@pytest.mark.parametrize(
    ("query", "matches"),
    [
        ("cifs.allowed=true", True),
        ("cifs.allowed=false", False),
        ("cifs.enabled=!true", True),
        ("cifs.enabled=!false", False),
        ("max_volumes=unlimited", True),
        ("max_volumes=!unlimited", False),
        ("max_volumes=unl*", True),
        ("max_volumes=!unl*", False),
        ("max_volumes=a..z", True),
        ("max_volumes=>v", False),
        ("max_volumes=x|unlimited", True),
        ("aggregates=null", True),
        ("aggregates=!null", False),
    ],
)
def test_operators_on_fixed_value_fields_behave_as_on_stored_fields(
    world: OntapApp, query: str, matches: bool
) -> None:
    assert svm_names(world, query) == (ALL if matches else set())


def test_bad_boolean_filter_value_on_a_fixed_value_field_is_400_code_262197(
    world: OntapApp,
) -> None:
    response = raw_request(world, "GET", f"{SVMS}?cifs.allowed=maybe")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "262197"
    assert response.json()["error"]["target"] == "cifs.allowed"


def test_every_operator_on_every_stored_field_answers_on_both_backends(any_app: OntapApp) -> None:
    """Found by the reliability fuzz: `public_certificate=null..null` was a 500 on
    PostgreSQL, its bound values rendered `$1::VARCHAR COLLATE "C"`, which PostgreSQL
    refuses in a BETWEEN. Every operator on every stored free-text field of every collection."""
    from ontap_ipsec.resources import all_resources

    failed, checked = [], 0
    for resource in all_resources():
        if ("collection", "GET") not in resource.handlers or resource.live or resource.singleton:
            continue
        for fld in resource.fields:
            if not (fld.stored and fld.gettable and fld.type == "string" and fld.enum is None):
                continue
            for value in ("a..b", "<a", ">=a", "!a", "a*", "a|b", "null"):
                target = f"{resource.path}?{fld.name}={value}"
                response = raw_request(any_app, "GET", target)
                if response.status_code != 200:
                    failed.append((target, response.status_code))
                checked += 1
    assert failed == []
    assert checked > 100
