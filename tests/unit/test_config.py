from __future__ import annotations

import pytest

from tablefuse.config import TablefuseConfig, load_config
from tablefuse.errors import ConfigError


def test_round_trip_through_dict_is_identity():
    cfg = TablefuseConfig().with_overrides(ingest={"skip_bad": True}, judge={"threshold": 0.6})
    assert TablefuseConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.ingest.skip_bad is True and cfg.judge.threshold == 0.6


def test_toml_and_yaml_files_load_the_same_config(tmp_path):
    (tmp_path / "c.toml").write_text('[ingest]\nskip_bad = true\nnull_tokens = ["", "n.a."]\n'
                                     '[judge]\nthreshold = 0.7\n')
    (tmp_path / "c.yaml").write_text("ingest:\n  skip_bad: true\n  null_tokens: ['', 'n.a.']\n"
                                     "judge:\n  threshold: 0.7\n")
    a, b = load_config(tmp_path / "c.toml"), load_config(tmp_path / "c.yaml")
    assert a == b
    assert a.ingest.null_tokens == ("", "n.a.")
    assert a.block == TablefuseConfig().block


@pytest.mark.parametrize("text, needle", [
    ("[ingest]\nskip_badd = true\n", "skip_badd"),
    ("[ingestion]\nskip_bad = true\n", "ingestion"),
    ("[ingest]\nskip_bad = 3\n", "true or false"),
    ("[judge]\nthreshold = 'high'\n", "number"),
])
def test_bad_config_names_the_offending_key(tmp_path, text, needle):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_config(path)


def test_missing_and_unparseable_config_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[ingest\n")
    with pytest.raises(ConfigError, match="cannot be parsed"):
        load_config(bad)


@pytest.mark.parametrize("section, values, needle", [
    ("block", {"top_k": -3}, "block.top_k = -3 is out of range: allowed value >= 0"),
    ("judge", {"threshold": 2}, "judge.threshold = 2.0 is out of range: allowed 0 <= value <= 1"),
    ("judge", {"threshold": -1}, "judge.threshold = -1.0 is out of range"),
    ("judge", {"threshold": float("nan")}, "judge.threshold = nan"),
    ("judge", {"method": "sscal"}, "judge.method = 'sscal' is not allowed; choose from ssacl, similarity"),
    ("judge", {"ssacl.epochs": -5}, "judge.ssacl.epochs = -5 is out of range: allowed value >= 1"),
    ("block", {"q": 0}, "block.q = 0 is out of range"),
    ("block", {"blockers": ["token", "sorted"]}, "block.blockers = ['sorted'] is not allowed"),
    ("discover", {"unique_sources": "some"}, "discover.unique_sources = 'some' is not allowed"),
    ("engine", {"device": "tpu"}, "engine.device = 'tpu' is not a device"),
    ("resolve", {"llm_fallback": "llm"}, "resolve.llm_fallback = 'llm' is not allowed"),
])
def test_bad_values_are_refused_when_the_config_is_built(section, values, needle):
    with pytest.raises(ConfigError) as err:
        TablefuseConfig().with_overrides(**{section: values})
    assert needle in str(err.value)


def test_none_switches_an_optional_setting_off():
    cfg = TablefuseConfig().with_overrides(discover={"split_below": None}, judge={"threshold": None})
    assert cfg.discover.split_below is None and cfg.judge.threshold is None
    assert TablefuseConfig().discover.split_below == 0.1


def test_ssacl_options_live_in_their_own_section(tmp_path):
    nested = tmp_path / "nested.toml"
    nested.write_text("[judge]\nmethod = 'ssacl'\n[judge.ssacl]\nepochs = 4\naugment = ['typo']\n")
    flat = tmp_path / "flat.toml"
    flat.write_text("[judge]\nssacl_epochs = 4\nssacl_augment = ['typo']\n")
    with pytest.warns(DeprecationWarning,
                      match=r"judge.ssacl_(epochs|augment) is deprecated: use judge.ssacl.(epochs|augment)"):
        old = load_config(flat)
    assert load_config(nested) == old
    assert old.judge.ssacl.epochs == 4 and old.judge.ssacl.augment == ("typo",)
    assert TablefuseConfig.from_dict(old.to_dict()) == old
    assert old.to_dict()["judge"]["ssacl"]["epochs"] == 4  # written back in the new shape


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary\xff",
                                     "[judge]\nthreshold = 0.5  # caf\xe9\n".encode("latin-1")])
def test_binary_or_non_utf8_config_files_are_config_errors(tmp_path, content):
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=str(path)):
        load_config(path)


def test_a_bad_option_stops_the_cli_before_any_stage_runs(tmp_path):
    """exit 2 naming the option, even though the lake folder does not exist: nothing was read."""
    from typer.testing import CliRunner

    from tablefuse.cli import app

    runner = CliRunner()
    for setting, needle in (("judge.method=sscal", "judge.method"), ("block.q=0", "block.q"),
                            ("judge.threshold=nan", "judge.threshold")):
        res = runner.invoke(app, ["integrate", str(tmp_path / "no-lake"), "--db", str(tmp_path / "x.duckdb"),
                                  "--set", setting])
        assert res.exit_code == 2, res.output
        assert needle in res.output and "no-lake" not in res.output
    res = runner.invoke(app, ["integrate", str(tmp_path / "no-lake"), "--set", "discover.split_below=none"])
    assert res.exit_code == 2 and "no-lake" in res.output  # a valid None: it got as far as the lake
