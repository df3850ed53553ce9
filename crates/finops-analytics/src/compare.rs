//! Compares two analysis results field by field: how the same analyses over the same calls are checked
//! across engines (in memory, a partitioned dataset scanned in place, a Ballista cluster), where sums
//! taken in another order may differ in the last bits.
use serde_json::Value;

/// The fields where `a` and `b` differ, as `path: a != b`; numbers count as equal within `rel_tol`
/// relative (or absolute below 1). Paths starting with an entry of `ignore` (e.g. `/load/files`) are
/// skipped.
///
/// ```
/// use serde_json::json;
/// use finops_analytics::compare::differences;
/// let a = json!({"cost": 0.1 + 0.2, "files": ["a.csv"]});
/// let b = json!({"cost": 0.3, "files": ["b.parquet"]});
/// assert!(differences(&a, &b, 1e-9, &["/files"]).is_empty());
/// assert_eq!(differences(&a, &b, 1e-9, &[]).len(), 1);
/// ```
pub fn differences(a: &Value, b: &Value, rel_tol: f64, ignore: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    walk(a, b, &mut String::new(), rel_tol, ignore, &mut out);
    out
}

fn walk(a: &Value, b: &Value, path: &mut String, tol: f64, ignore: &[&str], out: &mut Vec<String>) {
    if ignore.iter().any(|p| path.starts_with(p)) {
        return;
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            if (x - y).abs() > tol * x.abs().max(y.abs()).max(1.0) {
                out.push(format!("{path}: {x} != {y}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!("{path}: {} items != {}", x.len(), y.len()));
                return;
            }
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                walk(x, y, path, tol, ignore, out);
                path.truncate(len);
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, xv) in x {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                match y.get(k) {
                    Some(yv) => walk(xv, yv, path, tol, ignore, out),
                    None if !ignore.iter().any(|p| path.starts_with(p)) => {
                        out.push(format!("{path}: missing on the right"))
                    }
                    None => {}
                }
                path.truncate(len);
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                let p = format!("{path}/{k}");
                if !ignore.iter().any(|i| p.starts_with(i)) {
                    out.push(format!("{p}: missing on the left"));
                }
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} != {b}")),
    }
}
