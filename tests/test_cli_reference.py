"""The README's command reference is generated from the app: it must match the app, and every
command, option and argument must have a help text."""

from ofsted_mine.cli import reference


def test_readme_reference_matches_the_app():
    readme = reference.README.read_text(encoding="utf-8")
    assert reference.BEGIN in readme and reference.END in readme
    assert reference.replaced(readme, reference.reference()) == readme, (
        "README's CLI reference is stale: run python -m ofsted_mine.cli.reference --write"
    )


def test_every_command_option_and_argument_has_help():
    assert reference.undocumented() == []


def test_reference_lists_every_registered_command():
    from ofsted_mine.cli import app

    names = {n for n, _c, _x in reference.commands()}
    top = {c.name or c.callback.__name__ for c in app.registered_commands}
    groups = {g.name for g in app.registered_groups}
    assert {f"ofsted-mine {n}" for n in top | groups} <= names
    assert "ofsted-mine users add" in names and "ofsted-mine qda project" in names


def test_a_command_without_help_is_reported():
    import typer

    app = typer.Typer()

    @app.command()
    def documented(x: int = typer.Option(1, "--x", help="an x")):
        """Has help."""

    @app.command()
    def bare(y: int = typer.Option(1, "--y")):
        pass

    missing = reference.undocumented(app)
    assert "ofsted-mine bare" in missing and "ofsted-mine bare --y" in missing
    assert not [m for m in missing if "documented" in m]


def test_stale_readme_is_caught(tmp_path, monkeypatch):
    stale = tmp_path / "README.md"
    stale.write_text(f"# x\n\n{reference.BEGIN}\nold text\n{reference.END}\n", encoding="utf-8")
    monkeypatch.setattr(reference, "README", stale)
    assert reference.main(["--check"]) == 1
    assert reference.main(["--write"]) == 0
    assert reference.main(["--check"]) == 0
    assert "ofsted-mine quotes" in stale.read_text(encoding="utf-8")
