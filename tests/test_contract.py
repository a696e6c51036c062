from klantwaarde import contract


def test_every_key_column_is_a_column() -> None:
    for entity in contract.ENTITIES:
        for column in entity.not_null:
            assert column in entity.columns, (entity.name, column)
        for ref in entity.references:
            target = contract.entity(entity.system, ref.entity)
            assert ref.key in target.key


def test_entity_lookup_by_file() -> None:
    assert contract.entity_for_file("erp", "invoice_lines.csv").key == ("invoice_no", "line_no")
