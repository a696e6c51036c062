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


def test_run_settings_resolve_relative_paths(tmp_path, monkeypatch) -> None:
    from datetime import date

    from klantwaarde.settings import RunSettings

    monkeypatch.chdir(tmp_path)
    settings = RunSettings(landing="land", warehouse="wh/w.duckdb", as_of=date(2026, 1, 31))
    assert settings.warehouse == tmp_path / "wh" / "w.duckdb"
    assert settings.published_path.is_absolute()
    assert settings.landing == tmp_path / "land"
