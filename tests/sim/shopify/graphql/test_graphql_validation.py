from __future__ import annotations

from tests.sim.shopify.graphql.harness import SHOP, URL, Harness


def test_unknown_field_is_rejected_with_shopifys_shape(harness: Harness) -> None:
    status, body = harness.gql("{ shop { nam } }")
    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "Field 'nam' doesn't exist on type 'Shop'",
                "locations": [{"line": 1, "column": 10}],
                "extensions": {"code": "undefinedField", "typeName": "Shop", "fieldName": "nam"},
            }
        ]
    }


def test_missing_required_argument_and_unknown_argument(harness: Harness) -> None:
    _, body = harness.gql("{ product { id } products(first: 1, colour: 2) { nodes { id } } }")
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert codes == ["missingRequiredArguments", "argumentNotAccepted"]
    assert body["errors"][0]["message"] == "Field 'product' is missing required arguments: id"


def test_wrong_argument_type_is_rejected(harness: Harness) -> None:
    _, body = harness.gql('{ products(first: "ten") { nodes { id } } }')
    assert "data" not in body
    assert len(body["errors"]) == 1


def test_missing_required_variable_is_rejected(harness: Harness) -> None:
    _, body = harness.gql("query P($id: ID!) { product(id: $id) { id } }")
    assert body["errors"] == [
        {
            "message": "Variable $id of type ID! was provided invalid value",
            "extensions": {
                "value": None,
                "problems": [{"path": [], "explanation": "Expected value to not be null"}],
            },
        }
    ]


def test_a_valid_field_the_simulator_does_not_serve_is_an_error_not_a_value(
    harness: Harness,
) -> None:
    _, body = harness.gql("{ shop { name email } }")
    assert body["errors"][0]["message"] == (
        "Field 'email' on type 'Shop' is not implemented by the Shopify simulator"
    )
    assert body["errors"][0]["path"] == ["shop", "email"]


def test_wrong_token_answers_401_like_shopify(harness: Harness) -> None:
    status, body = harness.gql("{ shop { name } }", token="shpat_wrong")
    assert status == 401
    assert body == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }


def test_unsupported_api_version_answers_404(harness: Harness) -> None:
    response = harness.client.post(
        f"/shops/{SHOP}/admin/api/2019-04/graphql.json",
        json={"query": "{ shop { name } }"},
        headers={"X-Shopify-Access-Token": "shpat_demo"},
    )
    assert response.status_code == 404


def test_missing_query_answers_400(harness: Harness) -> None:
    response = harness.client.post(URL, json={}, headers={"X-Shopify-Access-Token": "shpat_demo"})
    assert response.status_code == 400
