//! `finops export focus` checked against the FOCUS specification's Mandatory columns and types, and
//! against the analyses' total.
use std::fs;
use std::process::Command;

use parquet::file::reader::{FileReader, SerializedFileReader};

fn finops(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finops")).args(args).output().expect("finops runs")
}

/// FOCUS 1.2's Mandatory columns (`specification/columns/*.md`, "Feature level: Mandatory") and their
/// data types, as listed in shared/reference/ai-finops-landscape.md section 4.
const MANDATORY_1_2: [(&str, &str); 21] = [
    ("BilledCost", "Decimal"),
    ("BillingAccountId", "String"),
    ("BillingAccountName", "String"),
    ("BillingCurrency", "String"),
    ("BillingPeriodEnd", "DateTime"),
    ("BillingPeriodStart", "DateTime"),
    ("ChargeCategory", "String"),
    ("ChargeClass", "String"),
    ("ChargeDescription", "String"),
    ("ChargePeriodEnd", "DateTime"),
    ("ChargePeriodStart", "DateTime"),
    ("ContractedCost", "Decimal"),
    ("EffectiveCost", "Decimal"),
    ("InvoiceIssuerName", "String"),
    ("ListCost", "Decimal"),
    ("PricingQuantity", "Decimal"),
    ("PricingUnit", "String"),
    ("ProviderName", "String"),
    ("PublisherName", "String"),
    ("ServiceCategory", "String"),
    ("ServiceName", "String"),
];
/// FOCUS 1.3 adds these as Mandatory.
const ADDED_1_3: [(&str, &str); 2] = [("ServiceProviderName", "String"), ("HostProviderName", "String")];

#[test]
fn focus_exports_have_every_mandatory_column_typed_and_sum_to_the_analyses() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    assert!(
        finops(&["simulate", "--calls", "20000", "--customers", "100", "--out", &p("calls.csv"), "-q"])
            .status
            .success()
    );
    // One organization with a formula for a name.
    let text = fs::read_to_string(p("calls.csv")).unwrap().replace(",org_001,", ",=HYPERLINK(\"http://x\"),");
    fs::write(p("calls.csv"), text).unwrap();
    let rates = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/rates.toml");
    let calls = p("calls.csv");
    let total = |extra: &[&str]| -> f64 {
        let mut args = extra.to_vec();
        args.extend(["analyze", "--input", calls.as_str(), "--json", "understanding"]);
        let o = finops(&args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["summary"]["cost_usd"].as_f64().unwrap()
    };

    // 1.3 as Parquet, with negotiated rates: every Mandatory column, typed as the specification says.
    let o = finops(&[
        "--rates",
        rates,
        "export",
        "focus",
        "--version",
        "1.3",
        "--input",
        &p("calls.csv"),
        "--out",
        &p("focus.parquet"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reader = SerializedFileReader::new(fs::File::open(p("focus.parquet")).unwrap()).unwrap();
    let arrow = parquet::arrow::parquet_to_arrow_schema(
        reader.metadata().file_metadata().schema_descr(),
        reader.metadata().file_metadata().key_value_metadata(),
    )
    .unwrap();
    for (name, kind) in MANDATORY_1_2.iter().chain(&ADDED_1_3) {
        let f = arrow.field_with_name(name).unwrap_or_else(|_| panic!("{name} missing"));
        let ok = match *kind {
            "Decimal" => matches!(f.data_type(), arrow_schema::DataType::Decimal128(_, _)),
            "DateTime" => {
                matches!(f.data_type(), arrow_schema::DataType::Timestamp(_, Some(tz)) if tz.as_ref() == "UTC")
            }
            _ => matches!(f.data_type(), arrow_schema::DataType::Utf8),
        };
        assert!(ok, "{name} is {:?}, the specification says {kind}", f.data_type());
    }
    for f in arrow.fields().iter().filter(|f| !MANDATORY_1_2.iter().chain(&ADDED_1_3).any(|(n, _)| n == f.name())) {
        let known = ["ServiceSubcategory", "SkuId", "SubAccountId", "SubAccountName"];
        assert!(
            f.name().starts_with("x_") || known.contains(&f.name().as_str()),
            "custom column without x_: {}",
            f.name()
        );
    }

    // 1.2 as CSV without rates: BilledCost sums to the analyses' total, list = billed, periods well formed.
    let o = finops(&["export", "focus", "--input", &p("calls.csv"), "--out", &p("focus.csv")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(p("focus.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    for (name, _) in &MANDATORY_1_2 {
        assert!(h.iter().any(|c| c == *name), "{name} missing from the CSV");
    }
    assert!(!h.iter().any(|c| c == "ServiceProviderName"), "1.2 has no 1.3 columns");
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (billed, list, class, cat, start, end, bstart, bend, sub) = (
        col("BilledCost"),
        col("ListCost"),
        col("ChargeClass"),
        col("ChargeCategory"),
        col("ChargePeriodStart"),
        col("ChargePeriodEnd"),
        col("BillingPeriodStart"),
        col("BillingPeriodEnd"),
        col("SubAccountName"),
    );
    let (mut sum, mut formula_rows) = (0.0, 0);
    for row in r.records().map(|x| x.unwrap()) {
        let b: f64 = row[billed].parse().unwrap();
        assert_eq!(row[billed], row[list], "no negotiated rates: list = billed");
        assert_eq!((&row[class], &row[cat]), ("", "Usage"));
        assert!(row[start] < row[end] && row[bstart] <= row[start] && row[end] <= row[bend]);
        if row[sub].contains("HYPERLINK") {
            assert!(row[sub].starts_with("'="), "formula neutralised: {}", &row[sub]);
            formula_rows += 1;
        }
        sum += b;
    }
    assert!(formula_rows > 0);
    let analyses = total(&[]);
    assert!((sum - analyses).abs() < 1e-6 * analyses, "BilledCost {sum} vs the analyses' {analyses}");

    // With rates the Parquet's BilledCost is the effective total, ListCost the list total.
    let o = finops(&["sql", "--input", &p("calls.csv"), "--format", "json", "SELECT sum(cost_usd) AS c FROM calls"]);
    let list_total = serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()[0]["c"].as_f64().unwrap();
    assert!((list_total - analyses).abs() < 1e-6 * analyses);
    assert!(total(&["--rates", rates]) < analyses);
}
