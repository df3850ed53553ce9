//! The call-log schema: the seed's 19 columns in its order, then the extension columns, and the enums
//! that fill them. Readers key columns by header name, so the seed's readers keep working.
use serde::{Deserialize, Serialize};

/// How a column's values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// UTF-8 string.
    Text,
    /// Non-negative integer.
    Integer,
    /// Plain decimal number (USD), never in exponent form.
    Decimal,
    /// ISO-8601 UTC timestamp with milliseconds, e.g. `2026-09-01T14:03:27.123Z`.
    Timestamp,
}

/// One column of the call log.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    /// Part of the seed's 19-column format.
    pub seed: bool,
    pub doc: &'static str,
}

const fn col(name: &'static str, ty: ColumnType, seed: bool, doc: &'static str) -> Column {
    Column { name, ty, seed, doc }
}

use ColumnType::*;

/// Every column, in file order.
pub const COLUMNS: [Column; 25] = [
    col("call_id", Text, true, "unique id across the dataset: `call_` + zero-padded sequence number"),
    col("timestamp", Timestamp, true, "request start, UTC, millisecond precision; rows are in time order"),
    col("customer_id", Text, true, "`cust_NNNN`; stable: a customer keeps org, product, tier and archetype"),
    col("organization_id", Text, true, "`org_NNN`, the customer's organization"),
    col("product_id", Text, true, "`product_a`, `product_b` or `product_c`"),
    col(
        "feature_id",
        Text,
        true,
        "`chat`, `code`, `search`, `summarize`, `translate`; launched later: `agent`, `vision`, `voice`, `extract`",
    ),
    col("provider", Text, true, "`openai`, `anthropic`, `google`, `bedrock`, `azure`, `mistral` or `cohere`"),
    col("model", Text, true, "model name as priced in the catalog (provider + model is the price key)"),
    col("input_tokens", Integer, true, "billed prompt tokens, including cached_input_tokens"),
    col("output_tokens", Integer, true, "billed completion tokens, including reasoning_tokens"),
    col("total_tokens", Integer, true, "input_tokens + output_tokens"),
    col("cost_usd", Decimal, true, "catalog formula on the billed tokens at the price in force on the call's date"),
    col("latency_ms", Integer, true, "request start to last byte; for timeouts the client's timeout"),
    col(
        "status",
        Text,
        true,
        "`success`, `rate_limited`, `timeout` or `server_error`; real logs also `client_error` (a request the provider refused)",
    ),
    col("environment", Text, true, "`production`, `staging` or `development`"),
    col("region", Text, true, "serving region: `us-east-1`, `us-west-2`, `eu-west-1` or `ap-southeast-1`"),
    col("subscription_tier", Text, true, "`starter`, `pro` or `enterprise`"),
    col("tier_price_usd", Integer, true, "the tier's monthly price: 29, 99 or 299"),
    col("customer_archetype", Text, true, "`light`, `power` or `heavy`"),
    col(
        "cached_input_tokens",
        Integer,
        false,
        "prompt tokens read from the provider's prompt cache (subset of input_tokens)",
    ),
    col("reasoning_tokens", Integer, false, "hidden reasoning tokens (subset of output_tokens), reasoning models only"),
    col("time_to_first_token_ms", Integer, false, "request start to first visible token; 0 when no token arrived"),
    col("error_type", Text, false, "empty on success, else the provider's error code (see README)"),
    col(
        "service_tier",
        Text,
        false,
        "`standard`, `batch` (batch API), `flex` or `priority` (OpenAI's processing tiers); each priced at its own rates",
    ),
    col(
        "cache_write_tokens",
        Integer,
        false,
        "prompt tokens written to the prompt cache (subset of input_tokens), billed at the cache-write rate (Anthropic: 1.25x input)",
    ),
];

/// The Arrow schema of the call log, shared by the Parquet writer and the analytics loader: text as
/// Utf8, integers as Int64, cost as Float64, timestamps as UTC milliseconds; no nulls.
pub fn arrow_schema() -> arrow_schema::SchemaRef {
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnType::Text => DataType::Utf8,
                ColumnType::Integer => DataType::Int64,
                ColumnType::Decimal => DataType::Float64,
                ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            };
            Field::new(c.name, ty, false)
        })
        .collect();
    std::sync::Arc::new(Schema::new(fields))
}

/// Number of columns of the seed's format.
pub const SEED_COLUMN_COUNT: usize = 19;

/// The CSV header line (without line end).
pub fn csv_header() -> String {
    COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
}

/// Declares a closed set of string values with `as_str`, `ALL` and `FromStr`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the call log.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Position in [`Self::ALL`].
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} `{}` (expected one of: {})",
                        stringify!($name),
                        other,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum!(
    /// How much a customer uses the API.
    Archetype { Light => "light", Power => "power", Heavy => "heavy" }
);
string_enum!(
    /// The customer's subscription plan.
    Tier { Starter => "starter", Pro => "pro", Enterprise => "enterprise" }
);
string_enum!(
    /// The product the customer bought.
    Product { A => "product_a", B => "product_b", C => "product_c" }
);
string_enum!(
    /// What the call was for.
    Feature {
        Chat => "chat",
        Code => "code",
        Search => "search",
        Summarize => "summarize",
        Translate => "translate",
        Agent => "agent",
        Vision => "vision",
        Voice => "voice",
        Extract => "extract",
    }
);

impl Feature {
    /// Number of features.
    pub const COUNT: usize = Feature::ALL.len();
    /// The seed's five features, which every customer can use from the start.
    pub const BASE: [Feature; 5] =
        [Feature::Chat, Feature::Code, Feature::Search, Feature::Summarize, Feature::Translate];
    /// Features that exist only once the Feature Launch scenario launches them.
    pub const LAUNCHABLE: [Feature; 4] = [Feature::Agent, Feature::Vision, Feature::Voice, Feature::Extract];
}
string_enum!(
    /// Serving region.
    Region { UsEast1 => "us-east-1", UsWest2 => "us-west-2", EuWest1 => "eu-west-1", ApSoutheast1 => "ap-southeast-1" }
);
string_enum!(
    /// Deployment environment of the caller.
    Environment { Production => "production", Staging => "staging", Development => "development" }
);
string_enum!(
    /// Outcome of the call.
    Status { Success => "success", RateLimited => "rate_limited", Timeout => "timeout", ServerError => "server_error" }
);
string_enum!(
    /// Provider error code written in `error_type` (empty on success).
    ErrorType {
        None => "",
        RateLimitExceeded => "rate_limit_exceeded",
        ClientTimeout => "client_timeout",
        InternalServerError => "internal_server_error",
        BadGateway => "bad_gateway",
        ServiceUnavailable => "service_unavailable",
        Overloaded => "overloaded",
    }
);

impl Tier {
    /// Monthly list price in USD (the seed's simulator values).
    pub fn monthly_price_usd(self) -> u32 {
        match self {
            Tier::Starter => 29,
            Tier::Pro => 99,
            Tier::Enterprise => 299,
        }
    }

    /// The next plan up, if any: the upgrade ladder starter -> pro -> enterprise.
    pub fn next(self) -> Option<Tier> {
        match self {
            Tier::Starter => Some(Tier::Pro),
            Tier::Pro => Some(Tier::Enterprise),
            Tier::Enterprise => None,
        }
    }
}

impl Region {
    /// UTC offset of the region's business day in hours (no daylight saving), used to shape local
    /// time-of-day and day-of-week activity.
    pub fn utc_offset_hours(self) -> i32 {
        match self {
            Region::UsEast1 => -5,
            Region::UsWest2 => -8,
            Region::EuWest1 => 0,
            Region::ApSoutheast1 => 8,
        }
    }
}

impl Status {
    /// The status an error type belongs to.
    pub fn of_error(e: ErrorType) -> Status {
        match e {
            ErrorType::None => Status::Success,
            ErrorType::RateLimitExceeded => Status::RateLimited,
            ErrorType::ClientTimeout => Status::Timeout,
            _ => Status::ServerError,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_columns_come_first_in_seed_order() {
        let seed: Vec<&str> = COLUMNS.iter().take(SEED_COLUMN_COUNT).map(|c| c.name).collect();
        assert_eq!(
            seed.join(","),
            "call_id,timestamp,customer_id,organization_id,product_id,feature_id,provider,model,input_tokens,\
             output_tokens,total_tokens,cost_usd,latency_ms,status,environment,region,subscription_tier,\
             tier_price_usd,customer_archetype"
        );
        assert!(COLUMNS.iter().take(SEED_COLUMN_COUNT).all(|c| c.seed));
        assert!(COLUMNS.iter().skip(SEED_COLUMN_COUNT).all(|c| !c.seed));
    }

    #[test]
    fn enums_round_trip() {
        for f in Feature::ALL {
            assert_eq!(f.as_str().parse::<Feature>().unwrap(), *f);
        }
        for e in ErrorType::ALL {
            assert_eq!(e.as_str().parse::<ErrorType>().unwrap(), *e);
        }
        assert!("gold".parse::<Tier>().unwrap_err().contains("starter, pro, enterprise"));
        assert_eq!(Status::of_error(ErrorType::Overloaded), Status::ServerError);
    }
}
