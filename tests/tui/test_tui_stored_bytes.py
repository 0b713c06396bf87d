"""What each database holds of the text no rules/ action lets in (issue 17, the
stored-data path; hostile_helpers.plant plants it so): SQLite any bytes another
program wrote, a lone surrogate (ED A0 80) or bytes that are no UTF-8 at all;
PostgreSQL neither a lone surrogate nor NUL, the driver or the server refuses them."""
from __future__ import annotations

import peewee
import pytest
from hostile_helpers import plant, screen_text, stray_controls, stray_in_frame, terminal_output
from room_helpers import open_room

from models.accounts import Account
from models.contracts import Contract
from rules.contract_view import contract_detail


def errors_shown(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def test_T05_bytes_that_are_no_utf8_read_as_replacement_characters_on_sqlite(world, make_app,
                                                                            drive):
    """Found by the fuzzer once it planted lone surrogates as SQLite holds them: the
    driver refused to read the row ("Could not decode to UTF-8"), so one such title
    emptied the whole contract list and the room. They read as U+FFFD now (models.db)."""
    plant(world.website, "Lone \ud800 here")
    Contract.update(title=peewee.Cast(b"Bad \xff\xfe bytes", "TEXT")).where(
        Contract.id == world.logo.id).execute()
    hexed = Contract._meta.database.execute_sql(
        "SELECT hex(title) FROM contract WHERE id = ?", (world.website.id,)).fetchone()[0]
    assert bytes.fromhex(hexed) == b"Lone \xed\xa0\x80 here"  # stored as another program would
    assert contract_detail(world.ada, world.logo.id).title == "Bad \ufffd\ufffd bytes"

    async def scenario(pilot):
        app = pilot.app
        listed = screen_text(terminal_output(app))
        assert "Lone \ufffd\ufffd\ufffd here" in listed and "Bad \ufffd\ufffd bytes" in listed, listed
        await open_room(pilot, world.ada, world.website)
        assert "Lone \ufffd\ufffd\ufffd here" in screen_text(terminal_output(app))
        assert app._exception is None and errors_shown(app) == []
        assert stray_in_frame(app) == [] and stray_controls(terminal_output(app)) == []
    drive(make_app(world.ada), scenario)


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_T05_postgresql_holds_no_lone_surrogate_and_no_nul(db, client):
    """Nothing to plant there: the driver cannot encode a lone surrogate, refuses NUL,
    and the server refuses a surrogate's bytes. The row keeps its name."""

    with pytest.raises(UnicodeEncodeError):
        Account.update(display_name="Ada \ud800").where(Account.id == client.id).execute()
    with pytest.raises(ValueError, match="NUL"):
        Account.update(display_name="Ada \x00").where(Account.id == client.id).execute()
    with pytest.raises(peewee.DataError, match="invalid byte sequence"):
        db.execute_sql("UPDATE account SET display_name = convert_from(%s, 'UTF8') "
                       "WHERE id = %s", (b"Ada \xed\xa0\x80", client.id))
    assert Account.get_by_id(client.id).display_name == "Ada Client"
