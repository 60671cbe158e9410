"""psql through the proxy: TLS modes, catalog describe, \\copy round trip, \\conninfo."""

from __future__ import annotations

import csv

from sluicetest import CA_PEM, psql, psql_ok, psql_value, with_params

PEOPLE_COUNT = "SELECT count(*) FROM dl_resolved.people"


def test_count_people_sslmode_require(dev):
    out = psql_value(with_params(dev.database_url, sslmode="require"), PEOPLE_COUNT)
    assert int(out) >= 200


def test_count_people_sslmode_verify_full(dev):
    assert CA_PEM.is_file(), f"{CA_PEM} missing: scripts/gen-certs.sh makes it"
    uri = with_params(dev.database_url, sslmode="verify-full", sslrootcert=str(CA_PEM))
    out = psql_value(uri, PEOPLE_COUNT)
    assert int(out) >= 200


def test_verify_full_rejects_a_certificate_from_another_ca(dev):
    # The system CA bundle does not contain the development CA: verification must fail,
    # which shows verify-full above really checked the chain.
    uri = with_params(dev.database_url, sslmode="verify-full",
                      sslrootcert="/etc/ssl/certs/ca-certificates.crt")
    r = psql(uri, "-At", "-c", "SELECT 1", timeout=30)
    assert r.returncode != 0
    assert "certificate verify failed" in r.stderr, r.stderr


def test_session_uri_counts_people(dev):
    out = psql_value(with_params(dev.session_database_url, sslmode="require"), PEOPLE_COUNT)
    assert int(out) >= 200


def test_describe_people_view(dev):
    out = psql_ok(dev.database_url, "-c", r"\d+ dl_resolved.people")
    for column in ("identity_key", "display_name", "email", "company_domain", "updated_at"):
        assert column in out, f"{column} missing from \\d+ output:\n{out}"


def test_conninfo_reports_ssl(dev):
    # pg_stat_ssl would describe the proxy's own server connection, not the client's:
    # the proxy terminates TLS. psql's \conninfo reports the client side.
    out = psql_ok(with_params(dev.database_url, sslmode="require"), "-c", r"\conninfo")
    assert "SSL connection (protocol: TLSv1." in out, out
    assert f'as user "{dev.proxy.user}"' in out, out


def test_copy_csv_round_trip_with_non_ascii(dev, storage_table, tmp_path):
    table = storage_table()
    psql_ok(dev.database_url, "-c",
            f"CREATE TABLE {table} (id integer PRIMARY KEY, name text NOT NULL, city text, note text)")
    rows = [
        ["1", "Zoë Åström", "Göteborg", "plain"],
        ["2", "Jürgen Müller, Jr.", "München", 'says "hi"'],
        ["3", "渡辺 裕子", "東京", ""],
        ["4", "Ærøskøbing Ñandú", "São Paulo", "emoji 🚀 ok"],
        ["5", "Ιωάννης Παπαδόπουλος", "Αθήνα", "semi;colon"],
        ["6", "Олег", "Київ", "tab\tinside"],
    ]
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    dst = tmp_path / "out.csv"

    out = psql_ok(dev.database_url, "-c", rf"\copy {table} FROM '{src}' WITH (FORMAT csv)")
    assert "COPY 6" in out, out
    assert psql_value(dev.database_url, f"SELECT count(*) FROM {table}") == "6"
    assert psql_value(dev.database_url, f"SELECT city FROM {table} WHERE id = 3") == "東京"

    out = psql_ok(dev.database_url, "-c", rf"\copy {table} TO '{dst}' WITH (FORMAT csv)")
    assert "COPY 6" in out, out
    with dst.open(encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    # Empty unquoted CSV fields come back as NULL -> empty again; compare as text.
    assert sorted(got, key=lambda r: int(r[0])) == rows
    assert sorted(src.read_text(encoding="utf-8").splitlines()) == sorted(dst.read_text(encoding="utf-8").splitlines())


def test_psql_script_with_transaction_and_storage_writes(dev, storage_table):
    table = storage_table()
    script = f"""
CREATE TABLE {table} (id integer PRIMARY KEY, v text);
BEGIN;
INSERT INTO {table} VALUES (1, 'a'), (2, 'b');
UPDATE {table} SET v = 'B' WHERE id = 2;
COMMIT;
BEGIN;
INSERT INTO {table} VALUES (3, 'rolled back');
ROLLBACK;
SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM {table};
"""
    out = psql_ok(dev.database_url, "-At", input=script)
    assert out.strip().splitlines()[-1] == "1=a,2=B", out
