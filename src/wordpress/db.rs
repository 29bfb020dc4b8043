//! What each WordPress object became (`wordpress_imports`).

use diesel::prelude::*;

use crate::schema::wordpress_imports;
use crate::store::{Conn, on_backend};

/// The newsroom id an object became, and the fingerprint it was imported with.
pub fn find(conn: &mut Conn, kind: &str, wordpress_id: &str) -> QueryResult<Option<(String, String)>> {
    wordpress_imports::table
        .find((kind, wordpress_id))
        .select((wordpress_imports::target, wordpress_imports::fingerprint))
        .first(conn)
        .optional()
}

pub fn remember(conn: &mut Conn, kind: &str, wordpress_id: &str, target: &str, fingerprint: &str) -> QueryResult<()> {
    let row = (
        wordpress_imports::kind.eq(kind),
        wordpress_imports::wordpress_id.eq(wordpress_id),
        wordpress_imports::target.eq(target),
        wordpress_imports::fingerprint.eq(fingerprint),
    );
    let changed = (wordpress_imports::target.eq(target), wordpress_imports::fingerprint.eq(fingerprint));
    on_backend!(conn, |conn| diesel::insert_into(wordpress_imports::table)
        .values(row)
        .on_conflict((wordpress_imports::kind, wordpress_imports::wordpress_id))
        .do_update()
        .set(changed)
        .execute(conn))?;
    Ok(())
}

/// The WordPress object of `kind` that became `target`, if one did.
pub fn importer_of(conn: &mut Conn, kind: &str, target: &str) -> QueryResult<Option<String>> {
    wordpress_imports::table
        .filter(wordpress_imports::kind.eq(kind).and(wordpress_imports::target.eq(target)))
        .select(wordpress_imports::wordpress_id)
        .first(conn)
        .optional()
}

/// Every object of `kind` remembered: WordPress id, target, fingerprint.
pub fn all(conn: &mut Conn, kind: &str) -> QueryResult<Vec<(String, String, String)>> {
    wordpress_imports::table
        .filter(wordpress_imports::kind.eq(kind))
        .select((wordpress_imports::wordpress_id, wordpress_imports::target, wordpress_imports::fingerprint))
        .load(conn)
}
