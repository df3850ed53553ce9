//! Command-line interface (clap derive).
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::Catalog;

use crate::{pricing_cmd, simulate};
use finops_core::rules::Rules;

/// finops: FinOps and usage-based-revenue analytics for people who pay for LLM APIs.
///
/// Without a command, runs the showcase (`finops demo`): generates 50 MB of simulated AI API calls
/// with all 12 traffic scenarios into data/simulated_calls.csv, re-analyzes them into reports/ every
/// few seconds as they grow, and serves the live reports on http://127.0.0.1:8000 until Ctrl-C.
#[derive(Debug, Parser)]
#[command(name = "finops", version, propagate_version = true)]
pub struct Cli {
    /// Pricing catalog TOML to use instead of the built-in one (see `finops pricing --toml`).
    #[arg(long, global = true, value_name = "FILE")]
    pub pricing: Option<PathBuf>,

    /// Rules TOML overriding the built-in thresholds behind the findings (see `finops rules`).
    #[arg(long, global = true, value_name = "FILE")]
    pub rules: Option<PathBuf>,

    /// Budgets TOML to track in the Real-Time report: per organization, product, provider, model or in
    /// total, monthly or for a custom period, with alert thresholds (see the README, "Budgets").
    #[arg(long, global = true, value_name = "FILE")]
    pub budgets: Option<PathBuf>,

    /// Negotiated rates TOML: the organization's discounts and committed-use prices per provider or
    /// model and date range, applied on top of list prices (see the README, "Negotiated rates").
    /// Reports then show effective cost beside list cost and price savings at the effective rates.
    #[arg(long, global = true, value_name = "FILE")]
    pub rates: Option<PathBuf>,

    /// Mapping TOML for call logs in another layout: which column holds each of ours, cost and latency
    /// units, the time format and constants for missing columns (see the README, "Any layout";
    /// `finops map --suggest FILE` proposes one). For OpenTelemetry spans, `[columns]` names the attribute
    /// of each dimension (customer_id = "app.customer_id"). Used by analyze, sql, export and reprice.
    #[arg(long = "map", global = true, value_name = "FILE")]
    pub mapping: Option<PathBuf>,

    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate simulated AI API call logs (CSV or Parquet).
    #[command(long_about = SIMULATE_ABOUT)]
    Simulate(simulate::SimulateArgs),
    /// Print the pricing catalog (providers, models, dated prices and where each came from), or check it
    /// against a price database (`finops pricing check`).
    Pricing(PricingArgs),
    /// List the traffic scenarios with their parameters and showcase windows.
    Scenarios,
    /// Analyze call logs into the FinOps and usage-based-revenue results (JSON) and HTML reports.
    Analyze(crate::analyze::AnalyzeArgs),
    /// The showcase (the default command): generate, analyze as the data grows, and serve live.
    #[command(long_about = DEMO_ABOUT)]
    Demo(crate::demo::DemoArgs),
    /// Serve the reports in the live viewer, with controls to generate data and re-run analyses.
    #[command(long_about = SERVE_ABOUT)]
    Serve(crate::demo::ServeArgs),
    /// Score the incidents found in simulated data against the simulator's answer key.
    #[command(long_about = crate::evaluate::ABOUT)]
    Evaluate(crate::evaluate::EvaluateArgs),
    /// Export the AI spend for finance tools: `finops export focus` (FOCUS 1.2 / 1.3, CSV or Parquet).
    #[command(subcommand)]
    Export(crate::export::ExportKind),
    /// Propose a mapping file (--map) for a call log in another layout.
    #[command(long_about = crate::map_cmd::ABOUT)]
    Map(crate::map_cmd::MapArgs),
    /// Run a read-only SQL query over the `calls` table of any input (table, CSV or JSON out).
    #[command(long_about = crate::sql_cmd::ABOUT)]
    Sql(crate::sql_cmd::SqlArgs),
    /// Recompute cost_usd of a call log with the pricing catalog (and --rates).
    #[command(long_about = crate::reprice::ABOUT)]
    Reprice(crate::reprice::RepriceArgs),
    /// Print the rules behind every finding: each threshold with its value, unit and why.
    #[command(long_about = RULES_ABOUT)]
    Rules(RulesArgs),
    /// Run a scheduler or an executor of a Ballista cluster for `finops analyze --cluster` (needs a build
    /// with `--features finops-cli/cluster`).
    #[command(subcommand, long_about = crate::cluster::ABOUT)]
    Cluster(crate::cluster::ClusterRole),
}

const RULES_ABOUT: &str = "Print the rules behind every finding: each threshold with its value, unit and why.

Every anomaly, spike, churn, saving, commitment and plan mismatch the analyses report is decided by a
rule of the built-in rules file, grouped by analysis. `--rules FILE` (with analyze, demo and serve)
reads a file of overrides in the same layout; only the rules it names change:

  [abuse_detection]
  spike_ratio = 5
  burst_calls_per_minute = { value = 60, why = \"our batch clients send 50 a minute\" }

Each report lists the values it used under \"Rules applied\".

Examples:
  finops rules                              # the rules in force, by analysis
  finops rules --toml > my-rules.toml       # the built-in file, to copy and edit
  finops --rules my-rules.toml rules        # check a file: errors name the line and column
  finops analyze --rules my-rules.toml";

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print the built-in rules file (a starting point for --rules FILE).
    #[arg(long, conflicts_with = "markdown")]
    pub toml: bool,
    /// Print the rules as Markdown tables (the README's rule reference).
    #[arg(long)]
    pub markdown: bool,
}

const DEMO_ABOUT: &str = "The showcase, and the default command: generate, analyze as the data grows, and serve live.

Generates the showcase dataset (all 12 scenarios, --target-size, 50 MB by default) into
<data-dir>/<file> in the background, paced by --rate so that the reports can be watched growing for
about a minute; every --interval seconds re-runs the 13 analyses over the rows written so far and
rewrites reports/ (JSON, HTML pages, index, manifest). The viewer on http://127.0.0.1:8000 shows a
live progress bar, refreshes open reports in place and shows a toast when they change; the index has
controls to start and stop generation, re-run the analyses and pick the data file.

When the target is reached the final reports stay served until Ctrl-C. Ctrl-C during generation keeps
the rows written so far as a complete file and analyzes them once more; a second Ctrl-C quits at once.

Examples:
  finops                                  # the same as `finops demo`
  finops demo --rate max                  # 50 MB at full speed, then serve
  finops demo --target-size 10MB --port 8080
  finops demo --no-serve                  # generate and analyze, then exit";

const SERVE_ABOUT: &str = "Serve the reports in the live viewer (http://127.0.0.1:8000 by default).

Serves <out>/html and a JSON API (GET /api/status, /api/reports, /api/files, /api/events;
POST /api/generate, /api/generate/stop, /api/analyze). Nothing runs until asked: the index's
controls (or the API) start a generation with --target-size and --rate, stop it, re-run the analyses
or switch to another call log of --data-dir. Binds to loopback; POSTs from other sites are refused.";

const SIMULATE_ABOUT: &str = "Generate simulated AI API call logs (CSV or Parquet).

A stable population of customers (light, power and heavy users on starter, pro and enterprise plans)
calls 7 providers' models on one continuous timeline from --start. Each customer's calls per hour
follow its local time of day and day of week, grouped into sessions (conversations, agent runs, batch
blocks) whose prompts grow and hit the prompt cache; token sizes follow real traces; latency follows
the model's speed, the prompt and the region; about 1.6% of calls fail; every cost is the catalog
formula.

The same options give byte-identical output, whatever the number of threads. The file is written to
<out>.partial and renamed when complete, so a killed run never leaves a half-written file; Ctrl-C stops
early and keeps what was generated.

Examples:
  finops simulate                                 # 50 MB to data/simulated_calls.csv
  finops simulate --target-size 1GB --format parquet --out data/calls.parquet
  finops simulate --calls 10000000 --format parquet --out data/calls/   # partitioned by day
  finops simulate --days 30 --customers 2000 --seed 7
  finops simulate --calls 1000 --out -            # CSV to stdout";

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PricingArgs {
    #[command(subcommand)]
    pub action: Option<PricingAction>,
    /// Show only the prices in force on this date (YYYY-MM-DD); default: every dated row.
    #[arg(long, value_name = "DATE")]
    pub at: Option<chrono::NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PricingFormat::Table)]
    pub format: PricingFormat,
    /// Print the built-in catalog's TOML source (a starting point for --pricing FILE).
    #[arg(long, conflicts_with_all = ["at", "format"])]
    pub toml: bool,
}

#[derive(Debug, Subcommand)]
pub enum PricingAction {
    /// Compare the catalog's list prices with genai-prices (bundled) or a newer genai-prices / LiteLLM file.
    #[command(long_about = crate::pricing_check::ABOUT)]
    Check(crate::pricing_check::CheckArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PricingFormat {
    Table,
    Json,
}

fn load_catalog(path: Option<&PathBuf>) -> Result<Arc<Catalog>> {
    Ok(Arc::new(match path {
        Some(p) => Catalog::from_path(p).context("loading the pricing catalog")?,
        None => Catalog::builtin(),
    }))
}

fn load_rules(path: Option<&PathBuf>, budgets: Option<&PathBuf>) -> Result<Arc<Rules>> {
    let mut rules = match path {
        Some(p) => Rules::from_path(p).context("loading the rules")?,
        None => Rules::builtin(),
    };
    if let Some(b) = budgets {
        rules.budgets = finops_core::budgets::Budgets::from_path(b).context("loading the budgets")?;
    }
    Ok(Arc::new(rules))
}

fn load_rates(path: Option<&PathBuf>) -> Result<Arc<NegotiatedRates>> {
    Ok(Arc::new(match path {
        Some(p) => NegotiatedRates::from_path(p).context("loading the negotiated rates")?,
        None => NegotiatedRates::default(),
    }))
}

pub fn run(cli: Cli) -> Result<()> {
    let catalog = load_catalog(cli.pricing.as_ref())?;
    let rates = load_rates(cli.rates.as_ref())?;
    let mapping = match &cli.mapping {
        Some(p) => Some(Arc::new(finops_core::mapping::Mapping::from_path(p).context("loading the mapping")?)),
        None => None,
    };
    let load = |skip_bad_rows: bool| finops_analytics::LoadOptions {
        skip_bad_rows,
        mapping: mapping.clone(),
        catalog: Some(catalog.clone()),
        ..finops_analytics::LoadOptions::default()
    };
    let rules = || load_rules(cli.rules.as_ref(), cli.budgets.as_ref());
    match cli.command {
        Some(Command::Simulate(args)) => simulate::run(args, catalog),
        Some(Command::Pricing(PricingArgs { action: Some(PricingAction::Check(check)), .. })) => {
            crate::pricing_check::run(&check, &catalog)
        }
        Some(Command::Pricing(args)) => pricing_cmd::run(&args, &catalog),
        Some(Command::Scenarios) => scenarios_cmd(),
        Some(Command::Export(kind)) => crate::export::run(&kind, load(false), catalog, &rates),
        Some(Command::Map(args)) => crate::map_cmd::run(&args),
        Some(Command::Sql(args)) => crate::sql_cmd::run(&args, load(args.skip_bad_rows), catalog, &rates),
        Some(Command::Reprice(args)) => {
            crate::reprice::run(&args, &catalog.with_negotiated(&rates), mapping.as_deref())
        }
        Some(Command::Analyze(args)) => {
            let opts = load(args.skip_bad_rows);
            crate::analyze::run(args, opts, catalog, rates, rules()?)
        }
        Some(Command::Demo(args)) => crate::demo::run_demo(args, catalog, rates, rules()?),
        Some(Command::Serve(args)) => crate::demo::run_serve(args, catalog, rates, rules()?),
        Some(Command::Rules(args)) => rules_cmd(&args, rules()?.as_ref()),
        Some(Command::Cluster(role)) => crate::cluster::run(&role),
        Some(Command::Evaluate(args)) => crate::evaluate::run(args, catalog, rules()?),
        None => crate::demo::run_demo(crate::demo::DemoArgs::defaults()?, catalog, rates, rules()?),
    }
}

fn rules_cmd(args: &RulesArgs, rules: &Rules) -> Result<()> {
    if args.toml {
        return crate::output::emit(finops_core::rules::BUILTIN_RULES_TOML);
    }
    if args.markdown {
        return crate::output::emit(&rules.markdown());
    }
    let mut out = String::new();
    let mut section = "";
    for e in rules.entries() {
        if e.section != section {
            section = &e.section;
            outln!(out, "\n[{section}]");
        }
        let changed = if e.value == e.default {
            String::new()
        } else {
            format!("  (built-in {}; set in {})", e.default, e.source)
        };
        let line = format!("  {:<34} {:>18} {}{changed}", e.name, e.value.to_string(), e.unit);
        outln!(out, "{}", line.trim_end());
        outln!(out, "      {}", e.why);
    }
    crate::output::emit(out.trim_start())
}

fn scenarios_cmd() -> anyhow::Result<()> {
    let mut out = String::new();
    let showcase = finops_sim::Program::showcase();
    outln!(
        out,
        "{} scenarios. The showcase runs all of them in a {}-hour cycle, repeated along the timeline;",
        finops_sim::scenario::registry().len(),
        showcase.cycle_hours
    );
    outln!(out, "`finops simulate --scenario ID` runs chosen ones on their own, each after 24 h of plain traffic.\n");
    for s in finops_sim::scenario::registry() {
        let slot = showcase.slots.iter().find(|x| x.scenario.id() == s.id());
        let window = slot.map_or_else(String::new, |x| {
            format!("hours {}-{} of the cycle", x.offset_hours, x.offset_hours + x.hours)
        });
        outln!(out, "{:<18} {} ({window}; alone: {} h)", s.id(), s.title(), s.hours());
        outln!(out, "    {}", s.description());
        outln!(out, "    parameters: {}", s.parameters());
    }
    crate::output::emit(&out)
}
