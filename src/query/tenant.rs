//! Tenant enforcement on the parsed query, never on strings: every vector and matrix
//! selector of the AST (inside subqueries, function calls, aggregations, binary operations,
//! `or`/`unless`, with `@` and `offset`) gets the matcher `tenant="<user id>"`, which
//! Prometheus ANDs with the selector's own matchers, so a query's `tenant=~".*"` cannot widen
//! it. The rewritten AST is serialised, parsed again, and forwarded only if the second parse
//! gives the same AST and every selector in it still carries the matcher: a serialisation
//! that changed the meaning is refused, not sent.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{self, AtModifier, Expr, VectorSelector};
use std::time::{Duration, SystemTime};

/// The label every tenant series carries (SPEC §5.3).
pub const TENANT_LABEL: &str = "tenant";

/// Why a query is not forwarded; the message goes to the client as Prometheus's `bad_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// A parsed query, scoped to one tenant, ready to forward.
#[derive(Debug)]
pub struct ScopedQuery {
    /// PromQL to send to Prometheus
    pub promql: String,
    /// the longest time window the query reads besides its evaluation range (range
    /// selectors and subqueries, nested subqueries added up), for the range limit
    pub lookback: Duration,
}

/// Parses `query`, adds the tenant matcher to every selector, serialises and checks it.
pub fn scope_query(query: &str, tenant: &str) -> Result<ScopedQuery, Refused> {
    let mut expr = parse(query)?;
    walk(&mut expr, &mut |vs| add_tenant(vs, tenant))?;
    let lookback = lookback(&expr);
    let promql = expr.to_string();
    verify(&promql, &expr, tenant)?;
    Ok(ScopedQuery { promql, lookback })
}

/// A `match[]` series selector (`up`, `{job="x"}`, `http_requests_total{code=~"5.."}`), scoped.
pub fn scope_selector(selector: &str, tenant: &str) -> Result<String, Refused> {
    let mut expr = parse(selector)?;
    let Expr::VectorSelector(vs) = &mut expr else {
        return Err(Refused(format!(
            "match[] takes a series selector like up{{job=\"api\"}}, not the expression {selector:?}"
        )));
    };
    if vs.offset.is_some() || vs.at.is_some() {
        return Err(Refused(
            "match[] takes a series selector: leave out offset and @".into(),
        ));
    }
    add_tenant(vs, tenant)?;
    let promql = expr.to_string();
    verify(&promql, &expr, tenant)?;
    Ok(promql)
}

/// The selector that stands for "every series of this tenant".
pub fn tenant_only_selector(tenant: &str) -> String {
    VectorSelector::new(
        None,
        promql_parser::label::Matchers::one(tenant_matcher(tenant)),
    )
    .to_string()
}

/// Operators and brackets a query may hold. The parser, the rewrite and the serialiser
/// recurse once per level of the AST, and `a + a + …` nests one level per operator: this
/// bound keeps a hostile query from overflowing a worker's stack (measured: 1,600 levels pass
/// every stage on a 2 MiB stack in a debug build). Real dashboards use a few dozen.
pub const MAX_OPERATORS: usize = 1000;

/// Counts operator and bracket characters outside string literals: an upper bound on the
/// AST's depth, known before parsing.
fn check_complexity(query: &str) -> Result<(), Refused> {
    let mut count = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in query.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q != '`' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some(c),
            '+' | '-' | '*' | '/' | '%' | '^' | '=' | '!' | '<' | '>' | '(' | '[' | '{' | ',' => {
                count += 1
            }
            _ => {}
        }
    }
    // Word operators (and, or, unless, by, on, …) nest too.
    count += query
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| matches!(*w, "and" | "or" | "unless" | "atan2"))
        .count();
    if count > MAX_OPERATORS {
        return Err(Refused(format!(
            "the query is too complex: it holds {count} operators and brackets, at most {MAX_OPERATORS} are accepted"
        )));
    }
    Ok(())
}

fn parse(query: &str) -> Result<Expr, Refused> {
    if query.trim().is_empty() {
        return Err(Refused("the query is empty: send PromQL in query=".into()));
    }
    check_complexity(query)?;
    parser::parse(query).map_err(|e| Refused(format!("cannot parse the query: {e}")))
}

fn tenant_matcher(tenant: &str) -> Matcher {
    Matcher::new(MatchOp::Equal, TENANT_LABEL, tenant)
}

fn add_tenant(vs: &mut VectorSelector, tenant: &str) -> Result<(), Refused> {
    if !vs.matchers.or_matchers.is_empty() {
        // `{a="1" or b="2"}` is this parser's extension, not Prometheus's PromQL.
        return Err(Refused(
            "`or` inside a selector's braces is not PromQL: write two selectors joined by `or`"
                .into(),
        ));
    }
    vs.matchers.matchers.push(tenant_matcher(tenant));
    // The crate writes matchers sorted by their text: keep the AST in that order, so that
    // parsing the serialised query gives back an equal AST (`verify`).
    vs.matchers.matchers.sort_by_cached_key(ToString::to_string);
    Ok(())
}

/// Calls `on_selector` for every vector selector, including those of matrix selectors, and
/// checks every `@`. The match is exhaustive: a new kind of node fails to compile here.
fn walk(
    expr: &mut Expr,
    on_selector: &mut dyn FnMut(&mut VectorSelector) -> Result<(), Refused>,
) -> Result<(), Refused> {
    match expr {
        Expr::Aggregate(a) => {
            if let Some(param) = a.param.as_mut() {
                walk(param, on_selector)?;
            }
            walk(&mut a.expr, on_selector)
        }
        Expr::Unary(u) => walk(&mut u.expr, on_selector),
        Expr::Binary(b) => {
            walk(&mut b.lhs, on_selector)?;
            walk(&mut b.rhs, on_selector)
        }
        Expr::Paren(p) => walk(&mut p.expr, on_selector),
        Expr::Subquery(s) => {
            normalise_at(&mut s.at)?;
            walk(&mut s.expr, on_selector)
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) => Ok(()),
        Expr::VectorSelector(vs) => {
            normalise_at(&mut vs.at)?;
            on_selector(vs)
        }
        Expr::MatrixSelector(ms) => {
            normalise_at(&mut ms.vs.at)?;
            on_selector(&mut ms.vs)
        }
        Expr::Call(c) => c
            .args
            .args
            .iter_mut()
            .try_for_each(|arg| walk(arg, on_selector)),
        Expr::Extension(_) => Err(Refused("extension expressions are not PromQL".into())),
    }
}

/// `@ <timestamp>` is serialised with millisecond precision, which is also all Prometheus
/// keeps; a time before 1970 would be serialised as 0, so it is refused instead.
fn normalise_at(at: &mut Option<AtModifier>) -> Result<(), Refused> {
    if let Some(AtModifier::At(time)) = at {
        let since = time
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| Refused("@ timestamps before 1970-01-01 are not supported".into()))?;
        let ms = u64::try_from(since.as_millis())
            .map_err(|_| Refused("the @ timestamp is out of range".into()))?;
        *time = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
    }
    Ok(())
}

/// The serialised query must parse back to the very AST that was scoped, and every selector
/// of that second parse must carry the tenant matcher.
fn verify(promql: &str, scoped: &Expr, tenant: &str) -> Result<(), Refused> {
    let cannot = || {
        tracing::warn!(query = %promql, "a scoped query did not survive serialisation; refused");
        Refused("this query cannot be forwarded safely: rewrite it more simply".into())
    };
    let mut again = parser::parse(promql).map_err(|_| cannot())?;
    if &again != scoped {
        return Err(cannot());
    }
    let wanted = tenant_matcher(tenant);
    walk(&mut again, &mut |vs| {
        if vs.matchers.or_matchers.is_empty() && vs.matchers.matchers.contains(&wanted) {
            Ok(())
        } else {
            Err(cannot())
        }
    })
}

/// The longest window the query reads before each evaluation time.
fn lookback(expr: &Expr) -> Duration {
    match expr {
        Expr::Aggregate(a) => a
            .param
            .as_deref()
            .map_or(Duration::ZERO, lookback)
            .max(lookback(&a.expr)),
        Expr::Unary(u) => lookback(&u.expr),
        Expr::Binary(b) => lookback(&b.lhs).max(lookback(&b.rhs)),
        Expr::Paren(p) => lookback(&p.expr),
        Expr::Subquery(s) => s.range + lookback(&s.expr),
        Expr::MatrixSelector(ms) => ms.range,
        Expr::Call(c) => c
            .args
            .args
            .iter()
            .map(|a| lookback(a))
            .max()
            .unwrap_or(Duration::ZERO),
        Expr::NumberLiteral(_)
        | Expr::StringLiteral(_)
        | Expr::VectorSelector(_)
        | Expr::Extension(_) => Duration::ZERO,
    }
}

#[cfg(test)]
#[path = "tenant_tests.rs"]
mod tests;
