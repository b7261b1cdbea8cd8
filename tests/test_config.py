"""Configuration: the embedded demo centre, the contract keys, and errors that say where."""

from __future__ import annotations

import pytest

from kiosk.config import EMBEDDED_SOURCE, ConfigError, load_config, parse_config
from tests.conftest import write_config


def test_no_configuration_means_the_embedded_demo_centre_with_three_counters(monkeypatch, tmp_path):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.source == EMBEDDED_SOURCE
    assert len(config.counters) == 3
    assert config.data_dir == tmp_path / "data" / "demo"  # apart from a real centre's ./data
    assert config.db_path == tmp_path / "data" / "demo" / "votes.db"
    assert (config.scale_id, config.timezone, config.repeat_window_s) == ("sipas5", "Asia/Ho_Chi_Minh", 10)


def test_the_environment_variable_names_the_file_when_no_path_is_given(monkeypatch, tmp_path):
    path = write_config(tmp_path, scale="onestop3")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert load_config().scale_id == "onestop3"


def test_data_dir_is_relative_to_the_config_file_not_the_working_directory(monkeypatch, tmp_path):
    (tmp_path / "etc").mkdir()
    path = write_config(tmp_path / "etc")
    monkeypatch.chdir("/")
    assert load_config(path).data_dir == tmp_path / "etc" / "data"


def test_every_contract_key_is_read(tmp_path):
    path = write_config(tmp_path, scale="smiley4", repeat_window_s=7.5)
    c = load_config(path)
    assert (c.kiosk_id, c.scale_id, c.repeat_window_s) == ("test-01", "smiley4", 7.5)
    assert c.centre.startswith("Trung tâm")
    assert [x.id for x in c.counters] == ["Q1", "Q2", "Q3"]
    assert c.counter("Q1").name == "Quầy 1 — Tư pháp, hộ tịch"


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        parse_config(text, source="centre.toml")
    assert str(err.value).startswith("centre.toml: invalid configuration")
    return err.value.problems


GOOD = '[kiosk]\nid = "k1"\ncentre = "C"\n\n[[counters]]\nid = "Q1"\nname = "Quầy 1"\n'


def test_a_centre_that_names_no_time_zone_counts_its_days_in_hai_phongs():
    assert parse_config(GOOD, source="centre.toml").tz.key == "Asia/Ho_Chi_Minh"


def test_a_bad_value_names_the_line_the_key_and_what_was_expected():
    problems = _problems(GOOD.replace('centre = "C"', 'centre = "C"\nscale = "sipas7"'))
    assert problems == ["line 4: [kiosk] scale: expected one of sipas5, onestop3, smiley4, got 'sipas7'"]


def test_an_unknown_key_is_an_error_not_silently_ignored():
    problems = _problems(GOOD.replace('centre = "C"', 'centre = "C"\nrepeat_windows_s = 5'))
    assert len(problems) == 1
    assert problems[0].startswith("line 4: [kiosk] repeat_windows_s: unknown key")
    assert "repeat_window_s" in problems[0]


def test_an_unknown_section_is_an_error():
    assert "unknown section [kioskk]" in _problems(GOOD + '\n[kioskk]\nid = "x"\n')[0]


def test_every_problem_is_reported_at_once():
    text = ('[kiosk]\nid = "bad id!"\ncentre = ""\ntimezone = "Mars/Olympus"\nrepeat_window_s = -1\n\n'
            '[[counters]]\nid = "Q1"\nname = "A"\n\n[[counters]]\nid = "Q1"\n')
    problems = _problems(text)
    assert any("[kiosk] id: expected an identifier" in p for p in problems)
    assert any("[kiosk] centre: expected a non-empty string" in p for p in problems)
    assert any("[kiosk] timezone: expected an IANA time zone" in p for p in problems)
    assert any("repeat_window_s: expected a number of seconds" in p for p in problems)
    assert any(p.startswith("line 11: [[counters]] #2") and "missing required key 'name'" in p for p in problems)


def test_duplicate_counter_ids_are_refused():
    problems = _problems(GOOD + '\n[[counters]]\nid = "Q1"\nname = "again"\n')
    assert problems == ["line 10: [[counters]] #2 id: duplicate counter id 'Q1'"]


def test_a_centre_needs_at_least_one_counter():
    assert _problems('[kiosk]\nid = "k1"\ncentre = "C"\n') == ["[[counters]]: at least one counter is needed"]


def test_text_that_is_not_toml_says_where_it_breaks():
    problems = _problems('[kiosk]\nid = "k1\n')
    assert problems[0].startswith("not valid TOML") and "line 2" in problems[0]


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: invalid configuration\n  - file not found"):
        load_config(tmp_path / "nope.toml")


def test_button_boxes_are_read_with_their_default_baud_rate():
    c = parse_config(GOOD + '\n[[button_boxes]]\nport = "usb:0403:6001:A1B2"\nbox = 2\ncounter = "Q1"\n')
    box = c.button_boxes[0]
    assert (box.port, box.box, box.counter, box.baudrate) == ("usb:0403:6001:A1B2", 2, "Q1", 115200)


@pytest.mark.parametrize("box_lines,expected", [
    ('port = "/dev/ttyUSB0"\nbox = 100\ncounter = "Q1"', "box: expected a whole number from 1 to 99, got 100"),
    ('port = "/dev/ttyUSB0"\nbox = 1\ncounter = "Q7"', "counter 'Q7' is not one of the [[counters]]"),
    ('port = "usb:403:6001"\nbox = 1\ncounter = "Q1"', "port: expected \"usb:VID:PID\""),
    ('port = "/dev/ttyUSB0"\nbox = 1\ncounter = "Q1"\nbaud = 9600', "baud: unknown key"),
])
def test_a_bad_button_box_is_reported(box_lines, expected):
    problems = _problems(GOOD + "\n[[button_boxes]]\n" + box_lines + "\n")
    assert len(problems) == 1 and expected in problems[0], problems


def test_boxes_on_one_port_must_agree_on_the_baud_rate():
    text = GOOD + ('\n[[button_boxes]]\nport = "/dev/ttyS0"\nbox = 1\ncounter = "Q1"\n'
                   '\n[[button_boxes]]\nport = "/dev/ttyS0"\nbox = 2\ncounter = "Q1"\nbaudrate = 9600\n')
    assert "share one baud rate" in _problems(text)[0]


def test_toml_nested_thousands_deep_is_a_config_error_not_a_recursion_error():
    from kiosk.config import ConfigError, parse_config
    with pytest.raises(ConfigError, match="nested too deeply"):
        parse_config("[kiosk]\nx = " + "[" * 3000 + "]" * 3000 + "\n")


def test_the_data_folder_is_created_or_refused_with_the_reason(tmp_path):
    from dataclasses import replace

    from kiosk.config import ConfigError, ensure_data_dir
    config = load_config(write_config(tmp_path))
    assert ensure_data_dir(config) == tmp_path / "data" and (tmp_path / "data").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        ensure_data_dir(replace(config, data_dir=tmp_path / "file"))
    with pytest.raises(ConfigError, match="a part of that path is a file"):
        ensure_data_dir(replace(config, data_dir=tmp_path / "file" / "data"))


def test_problems_are_listed_in_the_files_line_order():
    text = ('[kiosk]\nid = "a"\ncentre = "b"\nkeypad = "yes"\nlanguage = "fr"\nsounds = 3\n\n'
            '[[counters]]\nid = "Q1"\nname = "A"\n')
    lines = [int(p.split(":")[0].removeprefix("line ")) for p in _problems(text) if p.startswith("line ")]
    assert len(lines) == 3 and lines == sorted(lines)


@pytest.mark.parametrize("secret_line", ['secret = "{s}"', 'secret_file = "secret.txt"'])
def test_a_sync_secret_shorter_than_the_services_registry_accepts_is_refused_where_it_is_written(tmp_path, secret_line):
    """One rule on both ends (:func:`rating.signing.secret_problem`): a kiosk whose secret the service would
    refuse to register never starts believing it can sync."""
    for secret, refused in (("x" * 15, True), ("x" * 16, False)):
        (tmp_path / "secret.txt").write_text(secret + "\n", encoding="utf-8")
        sync = '\n[sync]\nurl = "http://127.0.0.1:9"\n' + secret_line.format(s=secret) + "\n"
        path = write_config(tmp_path, extra=sync)
        if not refused:
            assert load_config(path).sync is not None
            continue
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert [p for p in err.value.problems if "[sync]" in p] == [
            f"line {_line_of(path, secret_line.split(' ')[0])}: [sync] {secret_line.split(' ')[0]}: "
            "the secret must be at least 16 characters"]


def _line_of(path, key: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(key))
