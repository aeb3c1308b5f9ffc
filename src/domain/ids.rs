//! Id newtypes, so a key id can never be passed where a user id is expected.

use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Uuid as SqlUuid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            AsExpression,
            FromSqlRow,
        )]
        #[diesel(sql_type = SqlUuid)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Which of `shards` (a power of two) this id falls in: its bits mixed, so that
            /// ids of any UUID version spread evenly (the sharded aggregate, live view and
            /// used keys).
            pub fn shard(self, shards: usize) -> usize {
                debug_assert!(shards.is_power_of_two() && shards > 1);
                let (high, low) = self.0.as_u64_pair();
                let mixed = (high ^ low.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                (mixed >> (64 - shards.trailing_zeros())) as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl diesel::serialize::ToSql<SqlUuid, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <Uuid as diesel::serialize::ToSql<SqlUuid, diesel::pg::Pg>>::to_sql(&self.0, out)
            }
        }

        impl diesel::deserialize::FromSql<SqlUuid, diesel::pg::Pg> for $name {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                <Uuid as diesel::deserialize::FromSql<SqlUuid, diesel::pg::Pg>>::from_sql(bytes)
                    .map($name)
            }
        }
    };
}

id_type!(UserId);
id_type!(ApiKeyId);
id_type!(MetricConfigId);
