import pytest

from tablefuse.align._headers import attribute_name, normalize_header


@pytest.mark.parametrize(("header", "expected"), [
    ("http://www.okkam.org/ontology_restaurant1.owl#name", "name"),
    ("http://www.okkam.org/ontology_restaurant2.owl#phone_number", "phone_number"),
    ("https://example.org/schema/postalCode", "postal_code"),
    ("http://example.org/schema/street/", "street"),
    ("phoneNumber", "phone_number"),
    ("PhoneNumber", "phone_number"),
    ("HTTPServerName", "http_server_name"),
    ("phone_number", "phone_number"),
    ("phone-number", "phone_number"),
    ("  Phone   Number ", "phone_number"),
    ("Phone #", "phone"),
    ("e-mail", "e_mail"),
    ("\ufeffid", "id"),
    ('"Zip Code"', "zip_code"),
    ("'name'", "name"),
    ("Address1", "address_1"),
    ("Unnamed: 0", "unnamed_0"),
    ("Prénom", "prenom"),
    ("###", ""),
])
def test_normalize_header(header: str, expected: str) -> None:
    assert normalize_header(header) == expected


def test_attribute_name_never_empty_and_avoids_tuple_metadata() -> None:
    assert attribute_name("", 2) == "column_3"
    assert attribute_name("Source", 0) == "source_attr"
    assert attribute_name("TID", 0) == "tid_attr"
    assert attribute_name("Name", 0) == "name"
