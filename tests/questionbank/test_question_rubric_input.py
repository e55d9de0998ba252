"""Rubric input on POST /questions/ and PATCH /questions/{id}/: a 400 naming the item, never a 500.

A fuzz run found PATCH with a rubric item without `text` to be a 500: under partial validation DRF
skips a nested field's `required`, and the rubric validator read item["text"].
"""

import pytest

pytestmark = pytest.mark.django_db

NEW_QUESTION = {"level": "beginner", "prompt": "What is a metric?", "hint": "Defines it."}

BAD_RUBRICS = [
    pytest.param([{"weight": 2}], "rubric.0.text", id="item without text"),
    pytest.param([{"text": "Fine"}, {"weight": 1.0}], "rubric.1.text", id="second without text"),
    pytest.param([{"text": 5}], "rubric.0.text", id="text a number"),
    pytest.param([{"text": None}], "rubric.0.text", id="text null"),
    pytest.param([{"text": ["a"]}], "rubric.0.text", id="text a list"),
    pytest.param([{"text": "  "}], "rubric.0.text", id="text blank"),
    pytest.param([{"text": "x", "weight": "2"}], "rubric.0.weight", id="weight a string"),
    pytest.param(["Covers supply"], "rubric.0.non_field_errors", id="item not an object"),
    pytest.param({"text": "x"}, "rubric.non_field_errors", id="rubric an object"),
    pytest.param("Covers supply", "rubric.non_field_errors", id="rubric a string"),
    pytest.param(None, "rubric", id="rubric null"),
    pytest.param([], "rubric", id="rubric empty"),
]


def _send(client, method: str, rubric):
    if method == "POST":
        return client.post("/api/v1/questions/", {**NEW_QUESTION, "rubric": rubric}, format="json")
    return client.patch("/api/v1/questions/1/", {"rubric": rubric}, format="json")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("rubric, field", BAD_RUBRICS)
def test_bad_rubric_is_a_400_naming_the_item(
    client_for, hiring_manager, seed_bank, method, rubric, field
):
    before = client_for(hiring_manager).get("/api/v1/questions/1/").json()["rubric"]

    response = _send(client_for(hiring_manager), method, rubric)

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in error["fields"], error
    assert field in error["message"]
    assert client_for(hiring_manager).get("/api/v1/questions/1/").json()["rubric"] == before


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_an_item_without_weight_weighs_one(client_for, hiring_manager, seed_bank, method):
    response = _send(
        client_for(hiring_manager), method, [{"text": "Covers supply"}, {"text": "Covers demand"}]
    )

    assert response.status_code in (200, 201), response.json()
    assert [(c["text"], c["weight"]) for c in response.json()["rubric"]] == [
        ("Covers supply", 1.0),
        ("Covers demand", 1.0),
    ]
