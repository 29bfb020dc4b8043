//! Macros for code that Diesel's common backend cannot express.

/// Gives a fieldless enum its text form (`as_str`, `parse`) and stores it as
/// that text on every backend; the type also derives `AsExpression` and
/// `FromSqlRow` with `sql_type = Text`.
macro_rules! text_enum {
    ($type:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $type {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $type
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(value)?;
                Self::parse(&text).ok_or_else(|| format!("unexpected {} {text:?}", stringify!($type)).into())
            }
        }
    };
}
pub(crate) use text_enum;

/// Runs the same Diesel code on whichever backend `conn` holds, for what the
/// common [`Backend`] cannot express (upserts, multi-row inserts, `RETURNING`
/// a whole row): each arm is type-checked for its own backend.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($inner) => $body,
            $crate::store::Conn::Postgres($inner) => $body,
        }
    };
}
pub(crate) use on_backend;
