"""`milestones import contracts FILE` and `import sample` through the installed command:
exit codes, every problem on stderr as FILE:LINE:COLUMN, --dry-run and refusals that
leave the database as it was."""
from __future__ import annotations

import json
import subprocess

from models.contracts import Contract
from models.milestones import Milestone
from state_helpers import db_state
from test_cli_verbs import MILESTONES, cli  # noqa: F401 - the fixture

HEAD = "contract,title,policy,counterpart,end_date,milestone_title,amount,due\n"


def test_import_creates_the_file_s_contracts_and_dry_run_writes_nothing(cli, client,
                                                                        freelancer, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(HEAD + "a,Site,upwork,bo,,Design,300.00,2030-01-10\n"
                           "a,Site,upwork,bo,,Build,700.00,2030-02-10\n")
    cli.bind("ada")
    before = db_state()
    code, out, err = cli("ada", "import", "contracts", str(path), "--dry-run", "--json")
    assert code == 0, err
    assert json.loads(out) == {"contracts": 1, "milestones": 2, "dry_run": True, "ids": []}
    assert db_state() == before
    code, out, err = cli("ada", "import", "contracts", str(path))
    assert (code, out) == (0, "1 contracts, 2 milestones created.\n"), err
    assert Contract.get(Contract.title == "Site").client_id == client.id


def test_a_bad_file_lists_every_problem_and_writes_nothing(cli, client, freelancer,
                                                           tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEAD + "a,Site,upwork,bo,,Design,abc,2030-01-10\n"
                           "b,Other,upwork,nobody,,Build,700.00,2030-02-10\n")
    cli.bind("ada")
    before = db_state()
    code, out, err = cli("ada", "import", "contracts", str(path))
    assert (code, out) == (2, "")
    assert f"{path}:2:7: amount:" in err and f"{path}:3:4: counterpart:" in err, err
    assert "nothing was written" in err and "Traceback" not in err
    assert db_state() == before


def test_the_sample_prints_and_imports_cleanly_on_its_accounts(cli, client, freelancer,
                                                               other_freelancer, tmp_path):
    sample = subprocess.run([str(MILESTONES), "import", "sample"], capture_output=True,
                            text=True, check=True).stdout
    assert sample.startswith("contract,title,policy,counterpart")
    # The sample names bo and mia (the demo's freelancers); here di stands in for mia.
    path = tmp_path / "sample.csv"
    path.write_text(sample.replace(",mia,", ",di,"))
    code, out, err = cli("ada", "import", "contracts", str(path), "--dry-run")
    assert code == 0 and "2 contracts, 5 milestones would be created" in out, err


def test_ten_thousand_rows_import_in_one_run(cli, client, freelancer, tmp_path):
    """2,000 contracts of 5 milestones, through the installed command (on SQLite; the
    rules tests run the same checks on PostgreSQL on smaller files)."""
    rows = [f"c{i // 5},Contract {i // 5},upwork,bo,,Milestone {i % 5},{100 + i % 7}.00,"
            f"2030-0{4 + i % 5}-1{i % 9}\n" for i in range(10_000)]
    path = tmp_path / "big.csv"
    path.write_text(HEAD + "".join(rows))
    code, out, err = cli("ada", "import", "contracts", str(path), "--json")
    assert code == 0, err[-500:]
    assert json.loads(out)["milestones"] == 10_000
    assert Milestone.select().count() == 10_000


def test_O06_as_offers_sends_the_file_s_contracts_as_offers(cli, client, freelancer,
                                                            tmp_path):
    from datetime import date, timedelta

    from rules.offers import list_offers
    due = (date.today() + timedelta(days=30)).isoformat()
    path = tmp_path / "offers.csv"
    path.write_text(HEAD + f"a,Site,upwork,bo,,Design,300.00,{due}\n"
                           f"a,Site,upwork,bo,,Build,700.00,{due}\n")
    code, out, err = cli("ada", "import", "contracts", str(path), "--as-offers")
    assert (code, out) == (0, "1 contracts, 2 milestones sent as offers.\n"), err
    [offer] = list_offers(freelancer)
    assert (offer.title, offer.client_id, offer.status) == ("Site", client.id, "offered")
    code, out, _ = cli("bo", "offers", "list", "--json")
    assert [r["contract"] for r in json.loads(out)] == [offer.id]
    assert json.loads(out)[0]["expires_at"]
    # Sent as the freelancer, the same Upwork rows are each refused by O-01: nothing written.
    path.write_text(HEAD + f"b,Shop,upwork,ada,,Design,300.00,{due}\n")
    cli.bind("bo")  # binding the OS user is a write of its own, before the state is read
    before = db_state()
    code, out, err = cli("bo", "import", "contracts", str(path), "--as-offers")
    assert (code, out) == (2, "") and f"{path}:2" in err and "[O-01]" in err, err
    assert db_state() == before
