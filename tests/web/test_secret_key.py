"""The session key signs every session cookie: ictmon refuses to start with a missing, placeholder
or short one (`ictmon run` and create_app alike), with one line naming `[web] secret_key` and the
fix, while the demo keeps working with the key it generates in its own directory."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli.main import main
from monitor.secrets import WEB_KEY_FILE, SecretsError, web_secret_key, web_secret_key_problem
from monitor.settings import PathSettings, WebSettings, load_settings
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_hex(32)


def with_key(settings, key: str):
    return replace(settings, web=replace(settings.web, secret_key=key))


def refusal(settings) -> str:
    with pytest.raises(SecretsError) as caught:
        create_app(settings)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    "key",
    [
        "change-me",
        "changeme",
        "CHANGE_ME",
        "secret",
        "dev",
        "default",
        "  secret  ",
        "your-secret-key",
        "flask-secret",
        "change-me-before-going-live-in-production",
    ],
)
def test_a_placeholder_key_is_refused_and_the_error_names_the_setting(settings, key):
    message = refusal(with_key(settings, key))

    assert message.startswith("[web] secret_key is a known placeholder")
    assert "ictmon init" in message and "token_hex" in message


def test_a_short_key_is_refused(settings):
    message = refusal(with_key(settings, GOOD_KEY[:31]))

    assert message.startswith("[web] secret_key is shorter than 32 characters")
    assert GOOD_KEY[:31] not in message  # a real (if short) key is not echoed to the log


def test_a_long_key_of_one_repeated_character_is_refused(settings):
    assert refusal(with_key(settings, "a" * 40)).startswith("[web] secret_key is not random")


def test_an_empty_key_without_the_key_file_is_refused(settings, tmp_path):
    bare = replace(settings, paths=PathSettings(data_dir=str(tmp_path / "empty")))

    message = refusal(bare)

    assert message.startswith("[web] secret_key is empty and ")
    assert str(tmp_path / "empty" / WEB_KEY_FILE) in message and "ictmon init" in message


def test_a_placeholder_in_the_key_file_is_refused_too(settings, tmp_path):
    data = tmp_path / "hand-edited"
    data.mkdir()
    (data / WEB_KEY_FILE).write_text("changeme\n")

    message = refusal(replace(settings, paths=PathSettings(data_dir=str(data))))

    assert message.startswith("[web] secret_key is empty and its key file")
    assert "known placeholder" in message


def test_a_random_key_of_32_characters_or_the_generated_file_is_accepted(settings):
    assert create_app(with_key(settings, GOOD_KEY[:32])).config["SECRET_KEY"] == GOOD_KEY[:32]
    # The `settings` fixture ran `ensure_keys`, as `ictmon init` does: the generated file is used.
    generated = (settings.data_dir / WEB_KEY_FILE).read_text().strip()
    assert create_app(settings).config["SECRET_KEY"] == generated
    assert web_secret_key_problem(generated) is None


def _ictmon(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICTMON_")}
    # Bounded: were the refusal missing, `run` would serve on loopback until the timeout.
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _config(directory: Path, key_line: str) -> Path:
    config = directory / "ictmon.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///ictmon.db"\n[paths]\ndata_dir = "data"\n'
        f'[web]\nhost = "127.0.0.1"\nport = 18479\n{key_line}\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    "key_line, says",
    [
        ('secret_key = "change-me"', "[web] secret_key is a known placeholder"),
        ('secret_key = "short-but-not-a-placeholder"', "[web] secret_key is shorter than 32"),
        ("", "[web] secret_key is empty and "),
    ],
)
def test_ictmon_run_refuses_a_bad_key_in_one_line(tmp_path, key_line, says):
    done = _ictmon(_config(tmp_path, key_line), "run")

    assert done.returncode != 0
    assert done.stderr.startswith(f"ictmon: {says}")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "is running" not in done.stdout


def test_ictmon_run_after_init_gets_past_the_key_check(tmp_path):
    """With the key `ictmon init` generated, the key is not what stops `run` (the database is
    missing here on purpose, so the process stops by itself right after the key check)."""
    config = _config(tmp_path, f'secret_key = "{GOOD_KEY}"')
    config.write_text(config.read_text().replace("sqlite:///ictmon.db", "sqlite:///absent/x.db"))

    done = _ictmon(config, "run")

    assert done.returncode != 0
    assert "secret_key" not in done.stderr


def test_the_demo_generates_its_own_key_and_its_app_starts(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("ICTMON_")]:
        monkeypatch.delenv(name)
    directory = tmp_path / "demo"

    result = CliRunner().invoke(
        main, ["demo", "--setup-only", "--dir", str(directory), "--port", "18480"]
    )

    assert result.exit_code == 0, result.output
    settings = load_settings(directory / "ictmon.toml", environ={})
    assert settings.web.secret_key == ""
    key = (directory / WEB_KEY_FILE).read_text().strip()
    assert web_secret_key(settings) == key and len(key) >= 32
    client = create_app(settings).test_client()
    assert client.get("/login").status_code == 200


def test_the_default_settings_do_not_carry_a_key():
    # The example config and the defaults leave the key empty so that `ictmon init` generates
    # one per installation; a shipped value would be the same on every school's server.
    assert WebSettings().secret_key == ""
    example = (ROOT / "config" / "ictmon.example.toml").read_text(encoding="utf-8")
    assert 'secret_key = ""' in example
