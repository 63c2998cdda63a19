from __future__ import annotations

import pytest

from tablefuse.config import TablefuseConfig, load_config
from tablefuse.errors import ConfigError


def test_round_trip_through_dict_is_identity():
    cfg = TablefuseConfig().with_overrides(ingest={"skip_bad": True}, judge={"threshold": 0.6})
    assert TablefuseConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.ingest.skip_bad is True and cfg.judge.threshold == 0.6


def test_toml_and_yaml_files_load_the_same_config(tmp_path):
    (tmp_path / "c.toml").write_text('[ingest]\nskip_bad = true\nnull_tokens = ["", "n.a."]\n[judge]\nthreshold = 0.7\n')
    (tmp_path / "c.yaml").write_text("ingest:\n  skip_bad: true\n  null_tokens: ['', 'n.a.']\njudge:\n  threshold: 0.7\n")
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
