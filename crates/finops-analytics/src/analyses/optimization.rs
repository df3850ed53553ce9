//! Rate Optimization: savings from a cheaper model of the same capability class, the batch API and
//! prompt caching, priced with the catalog on each call's date and size (calls are grouped so that a
//! group's token sums price exactly like its calls one by one), each lever alone and all three in
//! sequence on the same calls (the plan), plus commitment and volume-discount what-ifs.
use std::collections::HashMap;

use chrono::NaiveDate;
use finops_core::cost::{PICO_PER_USD, ServiceTier, Usage};
use finops_core::pricing::{Catalog, Model, PriceRow};
use finops_core::rules;
use finops_core::units::thousands;
pub use finops_results::optimization::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{Usd, day_date, pct, percentile, periods_sql};
use crate::engine::{DAYS_PER_MONTH, Dataset, Result, sql_str};

/// The catalog's size breakpoints: every context window and every long-context threshold. Calls are
/// grouped by where their size falls among them, so each group is wholly inside or outside any model's
/// context window and any long-context tier: pricing a group's token sums is then exactly pricing its
/// calls one by one (the cost is linear in tokens within a tier).
struct Sizes {
    windows: Vec<u64>,
    thresholds: Vec<u64>,
}

impl Sizes {
    fn of(cat: &Catalog) -> Sizes {
        let mut windows: Vec<u64> = cat.models.iter().map(|m| m.context_window).collect();
        let mut thresholds: Vec<u64> = cat
            .models
            .iter()
            .flat_map(|m| m.prices.iter().filter_map(|p| p.long_context.map(|l| l.above_input_tokens)))
            .collect();
        for v in [&mut windows, &mut thresholds] {
            v.sort_unstable();
            v.dedup();
        }
        Sizes { windows, thresholds }
    }

    /// SQL counting the breakpoints `expr` exceeds (ascending, as [`Sizes::of`] sorts them): our
    /// `bucket` function (the same as a CASE chain stopping at the first breakpoint `expr` does not
    /// exceed, at a fraction of its cost: [`crate::bucket`]).
    fn bucket_sql(expr: &str, points: &[u64]) -> String {
        if points.is_empty() {
            return "0".into();
        }
        let points: Vec<String> = points.iter().map(|p| i64::try_from(*p).unwrap_or(i64::MAX).to_string()).collect();
        format!("bucket({expr}, {})", points.join(", "))
    }

    /// Whether a group in window bucket `bucket` fits a context window of `tokens`.
    fn fits(&self, bucket: usize, tokens: u64) -> bool {
        self.windows.get(bucket).is_some_and(|upper| *upper <= tokens)
    }

    /// A prompt size standing for a group in threshold bucket `bucket` when choosing `price`'s rates.
    fn prompt(&self, bucket: usize, price: &PriceRow) -> u64 {
        match price.long_context {
            Some(l) if self.thresholds.iter().position(|t| *t == l.above_input_tokens).is_some_and(|k| bucket > k) => {
                l.above_input_tokens + 1
            }
            _ => 0,
        }
    }
}

/// The standard-tier calls of one (provider, model, feature, batch environment or not, day, size
/// buckets, cacheable).
struct UsageGroup {
    provider: String,
    model: String,
    feature: String,
    /// In one of `batch_environments`.
    batch_environment: bool,
    date: Option<NaiveDate>,
    window_bucket: usize,
    threshold_bucket: usize,
    /// Prompts long enough to cache that had nothing cached.
    cacheable: bool,
    calls: u64,
    usage: Usage,
    /// Distinct (customer, cache-TTL window) pairs: the calls that would write the prefix.
    windows: u64,
}

/// How the usage groups key their (provider, model, feature). The cache windows' grouping has about one
/// group per cacheable call, and DataFusion hashes, compares and stores each text key of each row:
/// keyed by one [`key_hash`](crate::key_hash) of the three instead, that query took 8% less CPU and a
/// quarter less memory at 10 M calls (BENCHMARKS.md, issue #17). The hashes are mapped back through the
/// combinations the shared cube holds (every call's), and only if no two of those share a hash;
/// otherwise the text keys are used.
enum ModelKey {
    /// Hash -> (provider, model, feature).
    Hashed(HashMap<i64, [String; 3]>),
    Text,
}

impl ModelKey {
    fn of(ds: &Dataset) -> Result<ModelKey> {
        let Some(combos) = crate::common::model_features(ds)? else { return Ok(ModelKey::Text) };
        Ok(Self::from_combos(combos, crate::key_hash::hash_texts))
    }

    /// Hashed with `hash` unless two combinations share a hash.
    fn from_combos(combos: Vec<[String; 3]>, hash: impl Fn(&[&str]) -> i64) -> ModelKey {
        let mut by_hash = HashMap::with_capacity(combos.len());
        for c in combos {
            let h = hash(&[c[0].as_str(), c[1].as_str(), c[2].as_str()]);
            if by_hash.insert(h, c).is_some() {
                return ModelKey::Text;
            }
        }
        ModelKey::Hashed(by_hash)
    }

    /// The key's SELECT items (`provider`, `model`, `f`, or their hash `pmf`).
    fn select(&self) -> &'static str {
        match self {
            ModelKey::Hashed(_) => "key_hash(provider, model, feature_id) AS pmf",
            ModelKey::Text => "provider, model, feature_id AS f",
        }
    }

    /// The key's GROUP BY items.
    fn group(&self) -> &'static str {
        match self {
            ModelKey::Hashed(_) => "pmf",
            ModelKey::Text => "provider, model, f",
        }
    }

    /// Each row's provider, model and feature.
    fn read(&self, t: &crate::engine::Table) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
        match self {
            ModelKey::Text => Ok((t.str("provider")?, t.str("model")?, t.str("f")?)),
            ModelKey::Hashed(by_hash) => {
                let mut out = (Vec::with_capacity(t.len()), Vec::with_capacity(t.len()), Vec::with_capacity(t.len()));
                for h in t.i64("pmf")? {
                    // Every call's combination is in the cube, so a hash always maps back.
                    let [p, m, f] = by_hash.get(&h).cloned().ok_or_else(|| {
                        crate::engine::AnalyticsError::Query(format!(
                            "key_hash {h} is no known (provider, model, feature)"
                        ))
                    })?;
                    out.0.push(p);
                    out.1.push(m);
                    out.2.push(f);
                }
                Ok(out)
            }
        }
    }
}

/// Standard-tier usage grouped so that every call of a group prices alike, and the models without a
/// price (any tier).
fn usage_groups(
    ds: &Dataset,
    rules: &rules::Optimization,
    sizes: &Sizes,
    key: &ModelKey,
) -> Result<(Vec<UsageGroup>, Vec<String>)> {
    let window_bucket = Sizes::bucket_sql("(input_tokens + output_tokens)", &sizes.windows);
    let threshold_bucket = Sizes::bucket_sql("input_tokens", &sizes.thresholds);
    let ttl_ms = rules.cache_ttl_minutes.max(1) * 60_000;
    // Only prompts that could be cached need their (customer, TTL window): the others collapse into
    // one inner group per outer key.
    let cacheable = format!(
        "input_tokens >= {} AND cached_input_tokens = 0 AND cache_write_tokens = 0",
        rules.cache_min_prompt_tokens
    );
    // Tier and environment as flags: fewer text keys make the grouping cheaper.
    let batch_envs = rules.batch_environments.iter().map(|e| sql_str(e)).collect::<Vec<_>>().join(", ");
    let batch_env = if batch_envs.is_empty() {
        "0".to_string()
    } else {
        format!("CASE WHEN environment IN ({batch_envs}) THEN 1 ELSE 0 END")
    };
    // The small keys of a group (size buckets, batch environment, standard tier) as one number `s`.
    let nt = sizes.thresholds.len() as i64 + 1;
    let small = format!(
        "(({window_bucket}) * {nt} + {threshold_bucket}) * 4 + {batch_env} * 2 + \
         CASE WHEN service_tier = 'standard' THEN 1 ELSE 0 END"
    );
    // One scan: a cacheable call is grouped with its customer and TTL window, to count the windows; the
    // others (about half) have neither, so each group's go into one inner group, one window. (Two scans,
    // cacheable and not, joined by UNION ALL, read and decoded every column twice: that query alone
    // 1.64 -> 1.48 s on one core at 10 M calls, same rows.)
    let sums = "sum(input_tokens) AS i, sum(cached_input_tokens) AS ci, sum(cache_write_tokens) AS cw, sum(output_tokens) AS o";
    let (select, group) = (key.select(), key.group());
    let t = ds.sql_one_partition(&format!(
        "WITH w AS (SELECT {select}, {day} AS d, {small} AS s, CASE WHEN {cacheable} THEN customer_id END AS c, \
         CASE WHEN {cacheable} THEN CAST(timestamp AS BIGINT) / {ttl_ms} END AS tw, count(*) AS n, {sums} \
         FROM calls GROUP BY {group}, d, s, c, tw) \
         SELECT {group}, d, s, CASE WHEN tw IS NULL THEN 0 ELSE 1 END AS cacheable, sum(n) AS n, sum(i) AS i, \
         sum(ci) AS ci, sum(cw) AS cw, sum(o) AS o, count(*) AS windows FROM w GROUP BY {group}, d, s, cacheable",
        day = periods_sql(ds, 86_400_000)
    ))?;
    let (prov, model, feat) = key.read(&t)?;
    let day = t.i64("d")?;
    let small = t.i64("s")?;
    let std = |r: usize| small[r] % 2 != 0;
    let be = |r: usize| (small[r] / 2) % 2 != 0;
    let tb = |r: usize| (small[r] / 4) % nt;
    let wb = |r: usize| small[r] / 4 / nt;
    let cacheable = t.i64("cacheable")?;
    let (n, i, ci, o, windows) = (t.u64("n")?, t.u64("i")?, t.u64("ci")?, t.u64("o")?, t.u64("windows")?);
    let cw = t.u64("cw")?;
    let mut unpriced: Vec<String> = (0..t.len())
        .filter(|r| day_date(day[*r]).is_none_or(|d| ds.catalog.price_at(&prov[*r], &model[*r], d).is_err()))
        .map(|r| format!("{}/{}", prov[r], model[r]))
        .collect();
    unpriced.sort();
    unpriced.dedup();
    let groups = (0..t.len())
        .filter(|r| std(*r))
        .map(|r| UsageGroup {
            provider: prov[r].clone(),
            model: model[r].clone(),
            feature: feat[r].clone(),
            batch_environment: be(r),
            date: day_date(day[r]),
            window_bucket: wb(r).max(0) as usize,
            threshold_bucket: tb(r).max(0) as usize,
            cacheable: cacheable[r] != 0,
            calls: n[r],
            usage: Usage {
                input: i[r],
                cached_input: ci[r].min(i[r]),
                cache_write: cw[r].min(i[r] - ci[r].min(i[r])),
                cache_write_1h: 0,
                output: o[r],
            },
            // The non-cacheable calls of a group are one inner group: no windows to count.
            windows: windows[r],
        })
        .collect();
    Ok((groups, unpriced))
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Optimization> {
    let rules = &ds.rules.optimization;
    let cat = &ds.catalog;
    let sizes = Sizes::of(cat);
    let (groups, unpriced_models) = usage_groups(ds, rules, &sizes, &ModelKey::of(ds)?)?;
    let levers = Levers::price(cat, rules, &sizes, &groups);
    let (commitments, total_cost) = commitments(ds, rules)?;
    let mut summary = Summary {
        cost_usd: total_cost,
        switching_savings_usd: levers.switching.iter().map(|s| s.savings_usd).sum(),
        batch_savings_usd: levers.batch.iter().map(|b| b.savings_usd).sum(),
        caching_savings_usd: levers.caching.iter().map(|c| c.savings_usd).sum(),
        commitment_savings_usd: commitments.iter().map(|c| c.savings_usd).sum(),
        combined_savings_usd: levers.plan.iter().map(|p| p.savings_usd).sum(),
        levers_alone_usd: 0.0,
        actionable_pct: 0.0,
    };
    summary.levers_alone_usd = summary.switching_savings_usd + summary.batch_savings_usd + summary.caching_savings_usd;
    summary.actionable_pct = pct(summary.combined_savings_usd, total_cost);
    let recommendations = recommend(rules, &summary, &levers.plan, &levers.switching, &commitments, &unpriced_models);
    Ok(Optimization {
        summary,
        plan: levers.plan,
        model_switching: levers.switching,
        batch: levers.batch,
        caching: levers.caching,
        commitments,
        unpriced_models,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Optimization.as_str()),
    })
}

fn blended(rules: &rules::Optimization, p: &PriceRow) -> f64 {
    let w = rules.blend_input_weight;
    w * p.input.usd_per_million() + (1.0 - w) * p.output.usd_per_million()
}

/// The model a switch from `m` goes to on `date`: the dearest model of the same provider, capability
/// class and kind (reasoning or not: a reasoning model's callers rely on its hidden thinking), in
/// today's mix, whose blended price is at most `sibling_max_price_share` of `m`'s.
pub fn sibling<'a>(catalog: &'a Catalog, rules: &rules::Optimization, m: &Model, date: NaiveDate) -> Option<&'a Model> {
    let class = m.class?;
    let own = blended(rules, m.price_on(date)?);
    catalog
        .models
        .iter()
        .filter(|c| c.provider == m.provider && c.name != m.name && c.popularity > 0.0)
        .filter(|c| c.class == Some(class) && c.reasoning == m.reasoning)
        .filter_map(|c| c.price_on(date).map(|p| (c, blended(rules, p))))
        .filter(|(_, b)| *b <= own * rules.sibling_max_price_share)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

/// Exact cost in USD of `usage` at `price` for a group in threshold bucket `bucket`.
fn priced(sizes: &Sizes, bucket: usize, price: &PriceRow, usage: &Usage, tier: ServiceTier) -> Option<f64> {
    price.rates(sizes.prompt(bucket, price), tier).ok()?.cost(usage).ok().map(|c| c.usd())
}

/// The caching assumption on a group: `cacheable_share` of its input is a prefix; each (customer,
/// TTL window) writes it once, the other calls read it. `None` for groups that cannot cache.
fn cached_usage(rules: &rules::Optimization, g: &UsageGroup) -> Option<(Usage, u64, u64)> {
    if !g.cacheable || g.calls == 0 {
        return None;
    }
    let prefix = (g.usage.input as f64 * rules.cacheable_share) as u64;
    let writes = g.windows.min(g.calls);
    let written = (prefix as u128 * writes as u128 / g.calls as u128) as u64;
    let usage = Usage { cached_input: g.usage.cached_input + prefix - written, cache_write: written, ..g.usage };
    (prefix > 0).then_some((usage, writes, g.calls - writes))
}

/// Each lever alone and the plan (all three in sequence), over the same groups.
#[derive(Default)]
struct Levers {
    switching: Vec<Switch>,
    batch: Vec<BatchSaving>,
    caching: Vec<CacheSaving>,
    plan: Vec<PlanStep>,
}

/// A lever is switched on or off per (provider, model, feature): a team changes a feature's model,
/// turns on caching or moves to batch for a feature, not call by call. It is on where it saves over
/// all that key's calls.
type Key = (String, String, String);

fn key(provider: &str, model: &str, feature: &str) -> Key {
    (provider.to_string(), model.to_string(), feature.to_string())
}

/// A group priced: today's model and cost, the switch target and its cost if the calls fit it, and the
/// usage with caching.
struct Priced<'a> {
    g: &'a UsageGroup,
    model: &'a Model,
    price: &'a PriceRow,
    base: f64,
    /// The model a switch would go to (whether or not these calls fit it).
    target: Option<&'a Model>,
    /// The target, its price and these calls' cost there, if they fit its context window.
    alt: Option<(&'a Model, &'a PriceRow, f64)>,
    cached: Option<(Usage, u64, u64)>,
}

impl Priced<'_> {
    fn cost(&self, sizes: &Sizes, price: &PriceRow, usage: &Usage, tier: ServiceTier) -> Option<f64> {
        priced(sizes, self.g.threshold_bucket, price, usage, tier)
    }
}

/// The row of `rows` that `matches`, appended from `new` if there is none.
fn row_for<T>(rows: &mut Vec<T>, matches: impl Fn(&T) -> bool, new: impl FnOnce() -> T) -> &mut T {
    let i = match rows.iter().position(matches) {
        Some(i) => i,
        None => {
            rows.push(new());
            rows.len() - 1
        }
    };
    &mut rows[i]
}

/// Adds `v` to `map[k]`.
fn add(map: &mut HashMap<Key, f64>, k: Key, v: f64) {
    *map.entry(k).or_insert(0.0) += v;
}

fn on(map: &HashMap<Key, f64>, k: &Key) -> bool {
    map.get(k).is_some_and(|v| *v > 0.0)
}

impl Levers {
    fn price<'c>(cat: &'c Catalog, rules: &rules::Optimization, sizes: &Sizes, groups: &'c [UsageGroup]) -> Levers {
        let std = ServiceTier::Standard;
        let batchable = |g: &UsageGroup| g.batch_environment && rules.batch_features.contains(&g.feature);
        let priced_groups: Vec<Priced<'c>> = groups
            .iter()
            .filter_map(|g| {
                let date = g.date?;
                let (model, price) = cat.price_at(&g.provider, &g.model, date).ok()?;
                let base = priced(sizes, g.threshold_bucket, price, &g.usage, std)?;
                let target = sibling(cat, rules, model, date);
                let alt = target
                    .filter(|a| sizes.fits(g.window_bucket, a.context_window))
                    .and_then(|a| a.price_on(date).map(|p| (a, p)))
                    .and_then(|(a, p)| priced(sizes, g.threshold_bucket, p, &g.usage, std).map(|c| (a, p, c)));
                Some(Priced { g, model, price, base, target, alt, cached: cached_usage(rules, g) })
            })
            .collect();
        let has_cache = |p: &PriceRow| p.cached_input.is_some();

        // Decisions, lever by lever, each on the calls as the levers before left them.
        let mut switch_net = HashMap::new();
        for x in &priced_groups {
            if let Some((_, _, c)) = x.alt {
                add(&mut switch_net, key(&x.g.provider, &x.g.model, &x.g.feature), x.base - c);
            }
        }
        let switched = |x: &Priced| x.alt.is_some() && on(&switch_net, &key(&x.g.provider, &x.g.model, &x.g.feature));
        // The model (and its cost) after step 1.
        fn after_switch<'a>(x: &Priced<'a>, switched: bool) -> (String, f64, &'a PriceRow) {
            match x.alt {
                Some((a, p, c)) if switched => (a.name.clone(), c, p),
                _ => (x.g.model.clone(), x.base, x.price),
            }
        }
        let after_switch = |x: &Priced<'c>| after_switch(x, switched(x));
        let (mut cache_alone, mut cache_plan) = (HashMap::new(), HashMap::new());
        for x in &priced_groups {
            let Some((cached, _, _)) = &x.cached else { continue };
            if has_cache(x.price)
                && let Some(c) = x.cost(sizes, x.price, cached, std)
            {
                add(&mut cache_alone, key(&x.g.provider, &x.g.model, &x.g.feature), x.base - c);
            }
            let (name, cost, price) = after_switch(x);
            if has_cache(price)
                && let Some(c) = x.cost(sizes, price, cached, std)
            {
                add(&mut cache_plan, key(&x.g.provider, &name, &x.g.feature), cost - c);
            }
        }
        // The usage (and cost) after step 2.
        fn after_cache<'a>(
            x: &Priced<'a>,
            step1: (String, f64, &'a PriceRow),
            plan: &HashMap<Key, f64>,
            sizes: &Sizes,
        ) -> (String, Usage, f64, &'a PriceRow) {
            let (name, cost, price) = step1;
            match &x.cached {
                Some((cached, _, _))
                    if price.cached_input.is_some() && on(plan, &key(&x.g.provider, &name, &x.g.feature)) =>
                {
                    let c = x.cost(sizes, price, cached, ServiceTier::Standard).unwrap_or(cost);
                    (name, *cached, c, price)
                }
                _ => (name, x.g.usage, cost, price),
            }
        }
        let after_cache = |x: &Priced<'c>| after_cache(x, after_switch(x), &cache_plan, sizes);
        let (mut batch_alone, mut batch_plan) = (HashMap::new(), HashMap::new());
        for x in priced_groups.iter().filter(|x| batchable(x.g)) {
            if x.price.has_batch()
                && let Some(b) = x.cost(sizes, x.price, &x.g.usage, ServiceTier::Batch)
            {
                add(&mut batch_alone, key(&x.g.provider, &x.g.model, &x.g.feature), x.base - b);
            }
            let (name, usage, cost, price) = after_cache(x);
            if price.has_batch()
                && let Some(b) = x.cost(sizes, price, &usage, ServiceTier::Batch)
            {
                add(&mut batch_plan, key(&x.g.provider, &name, &x.g.feature), cost - b);
            }
        }

        // The rows and the plan's steps: (calls, cost before, saving) per lever.
        let mut out = Levers::default();
        let mut steps = [(0u64, 0.0f64, 0.0f64); 3];
        for x in &priced_groups {
            let g = x.g;
            let k = key(&g.provider, &g.model, &g.feature);
            if let Some(to) = x.target {
                let row = row_for(
                    &mut out.switching,
                    |s| s.provider == g.provider && s.from == g.model && s.to == to.name,
                    || Switch {
                        provider: g.provider.clone(),
                        from: g.model.clone(),
                        to: to.name.clone(),
                        class: x.model.class.map_or("", |c| c.as_str()).to_string(),
                        ..Switch::default()
                    },
                );
                match x.alt {
                    Some((_, _, c)) if switched(x) => {
                        row.calls += g.calls;
                        row.current_cost_usd += x.base;
                        row.alternative_cost_usd += c;
                        steps[0] = (steps[0].0 + g.calls, steps[0].1 + x.base, steps[0].2 + x.base - c);
                    }
                    _ => row.calls_kept += g.calls,
                }
            }
            if let Some((cached, writes, reads)) = &x.cached
                && has_cache(x.price)
                && on(&cache_alone, &k)
                && let Some(c) = x.cost(sizes, x.price, cached, std)
            {
                let premium = x
                    .price
                    .rates(sizes.prompt(g.threshold_bucket, x.price), std)
                    .map(|r| {
                        r.cache_write.0.saturating_sub(r.input.0) as f64 * cached.cache_write as f64
                            / PICO_PER_USD as f64
                    })
                    .unwrap_or(0.0);
                let row = row_for(
                    &mut out.caching,
                    |c| c.provider == g.provider && c.model == g.model,
                    || CacheSaving { provider: g.provider.clone(), model: g.model.clone(), ..CacheSaving::default() },
                );
                row.calls += g.calls;
                row.uncached_input_tokens += g.usage.input;
                row.writes += writes;
                row.reads += reads;
                row.write_premium_usd += premium;
                row.savings_usd += x.base - c;
            }
            let (name, cost, _) = after_switch(x);
            let (_, usage2, cost2, price2) = after_cache(x);
            if x.cached.is_some() && cost2 != cost {
                steps[1] = (steps[1].0 + g.calls, steps[1].1 + cost, steps[1].2 + cost - cost2);
            }
            if !batchable(g) {
                continue;
            }
            if x.price.has_batch()
                && on(&batch_alone, &k)
                && let Some(b) = x.cost(sizes, x.price, &g.usage, ServiceTier::Batch)
            {
                let row = row_for(
                    &mut out.batch,
                    |b| b.provider == g.provider && b.model == g.model && b.feature == g.feature,
                    || BatchSaving {
                        provider: g.provider.clone(),
                        model: g.model.clone(),
                        feature: g.feature.clone(),
                        ..BatchSaving::default()
                    },
                );
                row.calls += g.calls;
                row.current_cost_usd += x.base;
                row.batch_cost_usd += b;
                row.savings_usd += x.base - b;
            }
            if price2.has_batch()
                && on(&batch_plan, &key(&g.provider, &name, &g.feature))
                && let Some(b) = x.cost(sizes, price2, &usage2, ServiceTier::Batch)
            {
                steps[2] = (steps[2].0 + g.calls, steps[2].1 + cost2, steps[2].2 + cost2 - b);
            }
        }
        for s in &mut out.switching {
            s.savings_usd = s.current_cost_usd - s.alternative_cost_usd;
            s.savings_pct = pct(s.savings_usd, s.current_cost_usd);
        }
        out.switching.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
        out.batch.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
        out.caching.sort_by(|a, b| b.savings_usd.total_cmp(&a.savings_usd));
        let assumptions = [
            format!(
                "per provider, model and feature, calls move to the dearest model of the same provider, capability class and kind (reasoning or not) at most {:.0}% of its blended price where that saves over the feature's calls; calls longer than its context window stay; quality on your tasks is to be tested",
                100.0 * rules.sibling_max_price_share
            ),
            format!(
                "{:.0}% of every prompt of at least {} tokens that had nothing cached is a stable prefix; per customer, feature and model, the first such call in each {}-minute window writes it (at the cache-write price), the others read it; on per model and feature where that saves",
                100.0 * rules.cacheable_share,
                thousands(rules.cache_min_prompt_tokens),
                rules.cache_ttl_minutes
            ),
            format!("{} calls can wait hours for a batch job", batch_scope(rules)),
        ];
        for ((lever, (calls, before, saving)), assumption) in
            ["model_switch", "prompt_caching", "batch_api"].into_iter().zip(steps).zip(assumptions)
        {
            out.plan.push(PlanStep {
                lever: lever.to_string(),
                calls,
                cost_before_usd: before,
                savings_usd: saving,
                savings_pct: pct(saving, before),
                assumption,
            });
        }
        out
    }
}

/// Per provider: spend, a committable daily level and its discount, and the volume tier reached; with
/// the total spend.
fn commitments(ds: &Dataset, rules: &rules::Optimization) -> Result<(Vec<Commitment>, f64)> {
    // Each provider's cost per day, summed up from the shared (provider, model, organization, day) costs.
    let mut by_provider: std::collections::BTreeMap<&str, std::collections::BTreeMap<i64, f64>> = Default::default();
    let t = crate::common::model_org_days(ds)?;
    for i in 0..t.day.len() {
        *by_provider.entry(t.provider[i].as_str()).or_default().entry(t.day[i]).or_default() += t.cost_usd[i];
    }
    let spend: f64 = by_provider.values().flat_map(|d| d.values()).sum();
    let days = ds.period.billing_days();
    let full_days = ds.period.days.floor().max(0.0);
    let mut out: Vec<Commitment> = by_provider
        .into_iter()
        .map(|(p, by_day)| {
            let daily: Vec<f64> = by_day.into_values().collect();
            let total: f64 = daily.iter().sum();
            let monthly = total / days * DAYS_PER_MONTH;
            let committable = if daily.len() as u64 >= rules.commit_min_days {
                percentile(&daily, rules.commit_percentile / 100.0)
            } else {
                0.0
            };
            let (disc, next) = volume_tier(rules, monthly);
            Commitment {
                provider: p.to_string(),
                cost_usd: total,
                monthly_equivalent_usd: monthly,
                committable_daily_usd: committable,
                savings_usd: committable * full_days * rules.commit_discount,
                volume_discount_pct: disc,
                next_tier_gap_usd: next,
            }
        })
        .collect();
    out.sort_by(|a, b| b.cost_usd.total_cmp(&a.cost_usd));
    Ok((out, spend))
}

/// The volume tier of a monthly spend: (discount %, dollars to the next tier).
pub fn volume_tier(rules: &rules::Optimization, monthly: f64) -> (f64, Option<f64>) {
    let reached = rules.volume_tiers_usd.iter().rposition(|from| monthly >= *from);
    let discount = reached.map_or(0.0, |i| rules.volume_discounts_pct[i]);
    let next = rules.volume_tiers_usd.get(reached.map_or(0, |i| i + 1)).map(|from| from - monthly);
    (discount, next)
}

/// "production summarize/extract" from the batch rules.
fn batch_scope(rules: &rules::Optimization) -> String {
    format!("{} {}", rules.batch_environments.join("/"), rules.batch_features.join("/"))
}

/// The rate-optimization rules: each lever of the plan that saves enough, with the calls it touches,
/// the saving in dollars and percent, and the assumption behind it.
pub fn recommend(
    r: &rules::Optimization,
    s: &Summary,
    plan: &[PlanStep],
    switches: &[Switch],
    commitments: &[Commitment],
    unpriced: &[String],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    let material = |saving: f64, share_pct: f64| saving > share_pct / 100.0 * s.cost_usd.max(0.0) && saving > 0.0;
    for step in plan {
        let (min_share, what) = match step.lever.as_str() {
            "model_switch" => {
                let top = switches.first().map_or(String::new(), |t| {
                    format!(" (the largest: {}/{} to {}, {} less)", t.provider, t.from, t.to, Usd(t.savings_usd))
                });
                (r.switch_min_share_pct, format!("Moving calls to a cheaper model of the same class{top}"))
            }
            "prompt_caching" => (r.caching_min_share_pct, "Caching the stable prefix of long prompts".to_string()),
            _ => (r.batch_min_share_pct, format!("Sending {} calls through the batch API", batch_scope(r))),
        };
        if material(step.savings_usd, min_share) {
            out.push(Recommendation::new(
                &step.lever,
                Severity::Info,
                format!(
                    "{what} touches {} calls and saves {} ({:.0}% of their {}) after the levers before it in the plan; assumption: {}.",
                    thousands(step.calls),
                    Usd(step.savings_usd),
                    step.savings_pct,
                    Usd(step.cost_before_usd),
                    step.assumption
                ),
            ));
        }
    }
    if let Some(c) = commitments
        .iter()
        .find(|c| c.next_tier_gap_usd.is_some_and(|g| g < r.volume_tier_close_pct / 100.0 * c.monthly_equivalent_usd))
    {
        out.push(Recommendation::new(
            "volume_tier_close",
            Severity::Info,
            format!(
                "{} spend is ${:.0}/month, ${:.0} below the next volume tier.",
                c.provider,
                c.monthly_equivalent_usd,
                c.next_tier_gap_usd.unwrap_or(0.0)
            ),
        ));
    }
    if !unpriced.is_empty() {
        out.push(Recommendation::new(
            "unpriced_models",
            Severity::Warning,
            format!(
                "{} model(s) are not in the pricing catalog and were left out of savings: {}.",
                unpriced.len(),
                unpriced.join(", ")
            ),
        ));
    }
    if out.is_empty() && s.cost_usd > 0.0 {
        out.push(Recommendation::new("optimized", Severity::Success, "No material saving found at catalog prices."));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usage groups keyed by the hash of (provider, model, feature) equal those keyed by the text.
    #[test]
    fn hashed_model_keys_group_as_the_text_does() {
        use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.csv");
        Simulator::new(SimConfig { seed: 5, customers: 120, ..SimConfig::default() })
            .unwrap()
            .write_file(&path, OutputFormat::Csv, Stop::Calls(30_000), &RunOptions::default())
            .unwrap();
        let ds = Dataset::open(&[path], Default::default()).unwrap();
        let (rules, sizes) = (&ds.rules.optimization, Sizes::of(&ds.catalog));
        let hashed = ModelKey::of(&ds).unwrap();
        assert!(matches!(hashed, ModelKey::Hashed(_)));
        let rows = |key: &ModelKey| {
            let (groups, unpriced) = usage_groups(&ds, rules, &sizes, key).unwrap();
            // Windows holding several calls: the inner grouping did merge.
            assert!(groups.iter().any(|g| g.cacheable && g.windows < g.calls));
            let mut rows: Vec<String> = groups
                .iter()
                .map(|g| {
                    format!(
                        "{} {} {} {} {:?} {} {} {} {} {:?} {}",
                        g.provider,
                        g.model,
                        g.feature,
                        g.batch_environment,
                        g.date,
                        g.window_bucket,
                        g.threshold_bucket,
                        g.cacheable,
                        g.calls,
                        g.usage,
                        g.windows
                    )
                })
                .collect();
            rows.sort();
            (rows, unpriced)
        };
        let (by_hash, by_text) = (rows(&hashed), rows(&ModelKey::Text));
        assert!(by_hash.0.len() > 50, "{}", by_hash.0.len());
        assert_eq!(by_hash, by_text);
    }

    #[test]
    fn a_shared_hash_falls_back_to_text_keys() {
        let combos = vec![
            ["openai".to_string(), "gpt-4o".to_string(), "chat".to_string()],
            ["anthropic".to_string(), "claude".to_string(), "chat".to_string()],
        ];
        assert!(matches!(ModelKey::from_combos(combos.clone(), |_| 7), ModelKey::Text));
        let ModelKey::Hashed(by_hash) = ModelKey::from_combos(combos.clone(), crate::key_hash::hash_texts) else {
            panic!("distinct hashes");
        };
        assert_eq!(by_hash.len(), 2);
        assert_eq!(by_hash[&crate::key_hash::hash_texts(&["openai", "gpt-4o", "chat"])], combos[0]);
    }

    #[test]
    fn volume_tiers_follow_the_rules() {
        let r = finops_core::rules::Rules::builtin().optimization;
        assert_eq!(volume_tier(&r, 500.0), (0.0, Some(500.0)));
        assert_eq!(volume_tier(&r, 1_000.0), (5.0, Some(4_000.0)));
        assert_eq!(volume_tier(&r, 7_500.0), (10.0, Some(2_500.0)));
        assert_eq!(volume_tier(&r, 12_000.0), (15.0, None));
        let none = rules::Optimization { volume_tiers_usd: vec![], volume_discounts_pct: vec![], ..r };
        assert_eq!(volume_tier(&none, 12_000.0), (0.0, None));
    }
}
