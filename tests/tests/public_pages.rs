//! The public pages end to end: the real `petition serve` on a temporary simulated database, read
//! over plain HTTP (what each page says, what it never says, the limits and their 429, the rating
//! and what it records, the figures and their charts) and in a real headless Chromium (the status
//! flow by keyboard and form, the rating, the figures page, the 429 page, no request leaving the
//! server, nothing wider than a 360 px phone, labels, `lang` and contrast), with screenshots.

use std::time::Duration;

use petition_tests::browser::{self, Browser};
use petition_tests::server::Server;
use petition_tests::Env;

const T0: &str = "2026-03-02";
/// The server's time: five days after the answers of 2026-03-20, inside their windows.
const NOW: &str = "2026-03-25T10:00:00+08:00";

/// A case registered at the county petition office, sent to `unit`, accepted and answered by
/// `clerk` on 2026-03-20; returns (id, query code).
fn answered(env: &Env, unit: &str, clerk: &str) -> (String, String) {
    let (id, code) = env.register_with_code(T0, &[]);
    env.ok(Some("li"), T0, &["transfer", &id, "--to", unit]);
    env.ok(Some(clerk), "2026-03-03", &["accept", &id]);
    env.ok(
        Some(clerk),
        "2026-03-20",
        &[
            "opinion",
            &id,
            "--outcome",
            "supported",
            "--text",
            "同意维修，月底前完成",
        ],
    );
    (id, code)
}

/// `GET url` → (status, Retry-After, body, Content-Security-Policy).
fn get(url: &str) -> (u16, Option<String>, String, String) {
    get_with(url, &[])
}

/// [`get`] with more headers.
fn get_with(url: &str, headers: &[(&str, &str)]) -> (u16, Option<String>, String, String) {
    let mut req = ureq::get(url).timeout(Duration::from_secs(60));
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let r = match req.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("GET {url}: {e}"),
    };
    let status = r.status();
    let retry = r.header("retry-after").map(str::to_string);
    let csp = r
        .header("content-security-policy")
        .unwrap_or("")
        .to_string();
    (status, retry, r.into_string().expect("body"), csp)
}

/// `POST url` with a form → (status, body).
fn post(url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = match ureq::post(url)
        .timeout(Duration::from_secs(60))
        .send_form(form)
    {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("POST {url}: {e}"),
    };
    (r.status(), r.into_string().expect("body"))
}

fn start(env: &Env) -> Server {
    Server::start_global(&env.db, &["--now", NOW], &[])
}

/// Every address a page refers to stays on the server, and it has no script.
fn self_contained(body: &str) {
    assert!(!body.contains("<script"), "no scripts");
    for attr in ["src=\"", "href=\"", "action=\""] {
        for (i, _) in body.match_indices(attr) {
            let rest = &body[i + attr.len()..];
            assert!(
                rest.starts_with('/') || rest.starts_with('#'),
                "an address off the server: {}",
                &rest[..rest.len().min(60)]
            );
        }
    }
}

#[test]
fn a_petitioner_follows_the_case_and_rates_the_answer_once() {
    let env = Env::new();
    let (id, code) = answered(&env, "c-zjj", "wang");
    let server = start(&env);
    let base = &server.url;

    let (status, _, form, csp) = get(&format!("{base}/status"));
    assert_eq!(status, 200);
    assert!(form.contains(r#"<html lang="zh-CN">"#));
    assert!(form.contains(r#"<label for="case">"#) && form.contains(r#"<label for="code">"#));
    assert!(csp.contains("default-src 'none'"), "{csp}");
    self_contained(&form);

    // Any case of the code, as typed.
    let lower = code.to_lowercase();
    let (status, _, page, _) = get(&format!("{base}/status?case={id}&code={lower}"));
    assert_eq!(status, 200, "{page}");
    let r = ureq::get(&format!("{base}/status?case={id}&code={code}"))
        .call()
        .expect("status");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(r.header("x-robots-tag"), Some("noindex, nofollow"));
    self_contained(&page);
    for said in [
        "已出具书面处理意见",
        "某县信访局 → 某县住建局",
        "同意维修，月底前完成",
        "支持",
        // 30 days after the answer is Sunday 2026-04-19: the window runs to the Monday.
        "2026-04-20",
        "向原办理单位的上一级行政机关书面请求复查",
        "满意度评价",
    ] {
        assert!(page.contains(said), "{said} missing from {page}");
    }
    // Never staff, never the petitioner's personal data; the code only in the rating form.
    for private in [
        "李明",
        "王芳",
        "赵某",
        "13812345678",
        "11010519491231002X",
        "甲镇某村",
        &lower,
    ] {
        assert!(!page.contains(private), "{private} shown");
    }
    assert_eq!(page.matches(code.as_str()).count(), 1);
    assert!(page.contains(&format!(r#"name="code" value="{code}""#)));

    let (_, _, english, _) = get(&format!("{base}/status?case={id}&code={code}&lang=en"));
    assert!(english.contains(r#"<html lang="en">"#));
    assert!(english.contains("Answered in writing") && english.contains("Written answer"));

    // The rating: recorded once, as the petitioner, then no longer offered.
    let rate = format!("{base}/status/rate");
    let form = [
        ("case", id.as_str()),
        ("code", code.as_str()),
        ("handling", "satisfied"),
        ("office", "basically_satisfied"),
    ];
    let (status, page) = post(&rate, &form);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("感谢您的评价，已记录。"));
    assert!(
        !page.contains(r#"action="/status/rate""#),
        "offered once only"
    );
    let (status, page) = post(&rate, &form);
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("每次答复只能评价一次"), "{page}");
    let shown = env.ok(Some("li"), "2026-03-25", &["show", &id, "--timeline"]);
    let events = shown["events"].as_array().expect("events");
    let rated: Vec<_> = events.iter().filter(|e| e["type"] == "evaluated").collect();
    assert_eq!(rated.len(), 1);
    assert_eq!(rated[0]["actor"], "petitioner");
    assert_eq!(rated[0]["handling"], "satisfied");
    assert_eq!(rated[0]["office"], "basically_satisfied");
    let v = env.ok(None, "2026-03-25", &["verify"]);
    assert_eq!(v["ok"], true);

    // A rating without a choice changes nothing and says why; a wrong code records nothing.
    let (status, page) = post(&rate, &[("case", &id), ("code", &code)]);
    assert_eq!(status, 400, "{page}");
    let (status, _) = post(
        &rate,
        &[
            ("case", &id),
            ("code", "ABCDEFGH"),
            ("handling", "dissatisfied"),
        ],
    );
    assert_eq!(status, 404);
    let shown = env.ok(Some("li"), "2026-03-25", &["show", &id, "--timeline"]);
    assert_eq!(shown["events"].as_array().map(Vec::len), Some(events.len()));

    // The log has the paths, never a query string or a code.
    let log = server.log();
    assert!(log.contains(r#""path":"/status""#), "{log}");
    assert!(
        !log.contains(&code) && !log.contains(&lower) && !log.contains("code="),
        "{log}"
    );
}

#[test]
fn a_wrong_code_and_an_unknown_case_look_alike_and_failures_are_limited() {
    let env = Env::new();
    let (id, code) = answered(&env, "c-zjj", "wang");
    let (id2, code2) = answered(&env, "c-zjj", "wang");
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_address", "3"],
    );
    let server = start(&env);
    let base = &server.url;
    let (s1, _, wrong_code, _) = get(&format!("{base}/status?case={id}&code=ABCDEFGH"));
    let (s2, _, unknown_case, _) = get(&format!("{base}/status?case=XF2026-999999&code=ABCDEFGH"));
    assert_eq!((s1, s2), (404, 404));
    assert_eq!(
        wrong_code, unknown_case,
        "a wrong code and an unknown case answer alike"
    );
    assert!(!wrong_code.contains("ABCDEFGH") && !wrong_code.contains(&id));
    assert!(
        !unknown_case.contains("XF2026-999999"),
        "what was typed is not repeated"
    );
    let (s3, _, _, _) = get(&format!("{base}/status?case=nonsense&code=x"));
    assert_eq!(s3, 404);
    // The fourth look-up from this address waits, even with the right code.
    let (s4, retry, page, _) = get(&format!("{base}/status?case={id}&code={code}"));
    assert_eq!(s4, 429, "{page}");
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((1..=600).contains(&retry), "{retry}");
    assert!(
        page.contains("查询失败次数过多，请 10 分钟后再试。"),
        "{page}"
    );
    // A forged X-Forwarded-For does not make another client of a server with no proxy.
    let forged = get_with(
        &format!("{base}/status?case={id}&code={code}"),
        &[("X-Forwarded-For", "10.9.9.9")],
    );
    assert_eq!(forged.0, 429);
    let (s5, page) = post(
        &format!("{base}/status/rate"),
        &[("case", &id), ("code", &code), ("handling", "satisfied")],
    );
    assert_eq!(s5, 429, "{page}");
    let shown = env.ok(Some("li"), "2026-03-25", &["show", &id, "--timeline"]);
    let rated = shown["events"].as_array().into_iter().flatten();
    assert_eq!(rated.filter(|e| e["type"] == "evaluated").count(), 0);
    drop(server);

    // Per case: after its limit of failures from anywhere, that case waits; another does not.
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_address", "100"],
    );
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_case", "2"],
    );
    let server = start(&env);
    let base = &server.url;
    for wrong in ["AAAAAAAA", "BBBBBBBB"] {
        assert_eq!(get(&format!("{base}/status?case={id}&code={wrong}")).0, 404);
    }
    let (status, retry, _, _) = get(&format!(
        "{base}/status?case={}&code={code}",
        id.to_lowercase()
    ));
    assert_eq!(status, 429);
    let retry: u64 = retry.expect("Retry-After").parse().expect("seconds");
    assert!((3000..=3600).contains(&retry), "an hour's window: {retry}");
    assert_eq!(
        get(&format!("{base}/status?case={id2}&code={code2}")).0,
        200
    );
    drop(server);

    // Behind a trusted reverse proxy, the client is the address the proxy saw.
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_address", "2"],
    );
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_case", "100"],
    );
    let server = Server::start_global(&env.db, &["--now", NOW], &["--trusted-proxy", "127.0.0.1"]);
    let base = &server.url;
    let via = |client: &str, code: &str| {
        get_with(
            &format!("{base}/status?case={id}&code={code}"),
            &[("X-Forwarded-For", &format!("203.0.113.7, {client}"))],
        )
        .0
    };
    assert_eq!(via("10.0.0.1", "AAAAAAAA"), 404);
    assert_eq!(via("10.0.0.1", "AAAAAAAA"), 404);
    assert_eq!(via("10.0.0.1", &code), 429, "this client used its failures");
    assert_eq!(
        via("10.0.0.2", &code),
        200,
        "another client behind the same proxy did not"
    );
    // An element that is not an address makes the request the proxy's own: what the client
    // wrote before it never counts.
    assert_eq!(via("unknown", "AAAAAAAA"), 404);
    assert_eq!(via("unknown", "AAAAAAAA"), 404);
    assert_eq!(
        via("10.0.0.3", &code),
        200,
        "the client's claim was not counted"
    );
    assert_eq!(via("_hidden", &code), 429, "the proxy's own count is spent");
    // `IP:port` and `[IPv6]:port` are their address; an IPv6 /64 is one client.
    assert_eq!(via("10.0.0.4:5555", "AAAAAAAA"), 404);
    assert_eq!(via("10.0.0.4:6666", "AAAAAAAA"), 404);
    assert_eq!(via("10.0.0.4", &code), 429);
    assert_eq!(via("[2001:db8:5:6::1]:443", "AAAAAAAA"), 404);
    assert_eq!(via("2001:db8:5:6::2", "AAAAAAAA"), 404);
    assert_eq!(
        via("2001:db8:5:6:ffff::9", &code),
        429,
        "one /64, one client"
    );
    assert_eq!(
        via("2001:db8:5:7::1", &code),
        200,
        "the next /64 is another"
    );
    // A case at its limit throttles failures, and never locks the right code out of a client
    // that has not failed for it.
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_case", "2"],
    );
    assert_eq!(via("10.0.0.5", "AAAAAAAA"), 404);
    assert_eq!(
        via("10.0.0.5", &code),
        429,
        "this client failed for the case"
    );
    assert_eq!(
        via("10.0.0.7", &code),
        200,
        "the petitioner is not locked out"
    );
    assert_eq!(via("10.0.0.8", "CCCCCCCC"), 404, "one try per client");
    assert_eq!(via("10.0.0.8", &code), 429);
}

#[test]
fn the_figures_page_publishes_rates_charts_trend_and_ranking() {
    let env = Env::new();
    let mut cases: Vec<(String, String)> =
        (0..5).map(|_| answered(&env, "c-zjj", "wang")).collect();
    cases.push(answered(&env, "c-gtj", "zhao"));
    let server = start(&env);
    let base = &server.url;
    for (i, (id, code)) in cases.iter().enumerate() {
        let handling = if i == 0 { "dissatisfied" } else { "satisfied" };
        let (status, page) = post(
            &format!("{base}/status/rate"),
            &[
                ("case", id),
                ("code", code),
                ("handling", handling),
                ("office", "none"),
            ],
        );
        assert_eq!(status, 200, "{page}");
    }
    let (status, _, page, _) = get(&format!("{base}/kpi?month=2026-03"));
    assert_eq!(status, 200, "{page}");
    self_contained(&page);
    assert_eq!(
        page.matches("<svg").count(),
        3,
        "two bar charts and the trend"
    );
    assert!(page.contains("信访工作数据公开（2026-03）"));
    // Five ratings of the housing bureau (four satisfied): published; one of the land bureau: not.
    let bureau = page
        .find("<th scope=\"row\">某县住建局</th>")
        .expect("housing row");
    let row = &page[bureau
        ..page[bureau..]
            .find("</tr>")
            .map(|e| bureau + e)
            .expect("row end")];
    assert!(row.contains("80.0%"), "{row}");
    let land = page
        .find("<th scope=\"row\">某县自然资源局</th>")
        .expect("land row");
    let row = &page[land..page[land..]
        .find("</tr>")
        .map(|e| land + e)
        .expect("row end")];
    assert!(row.contains("评价不足 5 件，不公布"), "{row}");
    assert!(!row.contains("100.0%</td></tr>"), "{row}");
    assert!(page.contains(r#"<ol class="ranking">"#));
    // Both bureaus answered every case in time: they share first place.
    assert_eq!(page.matches(r#"<li value="1">"#).count(), 2, "{page}");
    for m in ["2025-04", "2025-12", "2026-03"] {
        assert!(
            page.contains(&format!(r#"<th scope="row">{m}</th>"#)),
            "{m}"
        );
    }
    assert_eq!(
        page.matches(r#"<tr><th scope="row">20"#).count(),
        12,
        "twelve months"
    );
    // The default month is the last whole one; a bad month says how to write it.
    let (_, _, default, _) = get(&format!("{base}/kpi"));
    assert!(
        default.contains("（2026-02）"),
        "the month before 2026-03-25"
    );
    let (status, _, bad, _) = get(&format!("{base}/kpi?month=2026-13"));
    assert_eq!(status, 400);
    assert!(bad.contains("YYYY-MM"));
    let (_, _, english, _) = get(&format!("{base}/kpi?month=2026-03&lang=en"));
    assert!(english.contains("On-time completion by unit"));
    assert!(english.contains("fewer than 5 ratings: not published"));
}

/// Where the browser test leaves its screenshots (`PETITION_SCREENSHOTS`, or the target's
/// temporary directory).
fn shots() -> std::path::PathBuf {
    let dir = std::env::var_os("PETITION_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
        });
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// The lowest contrast of any visible text on the page against its background, and where.
const CONTRAST: &str = r#"
function parse(c) { const m = c.match(/[\d.]+/g) || ['0','0','0']; return m.map(Number); }
function lum(c) {
  const [r, g, b] = parse(c).slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function bg(el) {
  while (el) {
    const c = getComputedStyle(el).backgroundColor; const p = parse(c);
    if (p.length < 4 || p[3] > 0) { if (c !== 'transparent') return c; }
    el = el.parentElement;
  }
  return 'rgb(255, 255, 255)';
}
let worst = [99, ''];
for (const el of document.querySelectorAll('body *')) {
  const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!text) continue;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  if (s.display === 'none' || s.visibility === 'hidden' || r.width === 0 || r.right < 0) continue;
  const fg = el instanceof SVGElement ? s.fill : s.color;
  const a = lum(fg), b = lum(bg(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < worst[0]) worst = [ratio, el.tagName + ' ' + el.textContent.trim().slice(0, 30)];
}
return worst;
"#;

/// Nothing wider than the viewport, every field labelled, the page's language declared, text
/// contrast at least 4.5:1, and every resource from the server itself.
fn page_is_sound(b: &Browser, base: &str, width: u64) {
    assert_eq!(b.eval("return window.innerWidth").as_u64(), Some(width));
    let scroll = b
        .eval("return document.documentElement.scrollWidth")
        .as_u64();
    assert!(
        scroll <= Some(width),
        "wider than the viewport: {scroll:?} > {width}"
    );
    let unlabelled = b.eval(
        "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')].filter(e => e.labels.length === 0).map(e => e.name)",
    );
    assert_eq!(unlabelled, serde_json::json!([]), "fields without a label");
    let lang = b.eval("return document.documentElement.lang");
    assert!(lang == "zh-CN" || lang == "en", "{lang}");
    assert_eq!(
        b.eval("return document.querySelectorAll('h1').length")
            .as_u64(),
        Some(1)
    );
    let worst = b.eval(CONTRAST);
    eprintln!("lowest text contrast: {worst}");
    assert!(worst[0].as_f64().unwrap_or(0.0) >= 4.5, "contrast: {worst}");
    let resources = b.eval("return performance.getEntriesByType('resource').map(e => e.name)");
    for r in resources.as_array().into_iter().flatten() {
        assert!(
            r.as_str().unwrap_or("").starts_with(base),
            "a request off the server: {r}"
        );
    }
}

#[test]
fn the_pages_work_in_a_real_browser_on_a_phone_and_a_desktop() {
    if browser::installed().is_none() {
        assert!(
            !browser::required(),
            "PETITION_REQUIRE_BROWSER=1 but chromium or chromedriver is missing"
        );
        eprintln!(
            "skipped: no chromium/chromedriver (install Debian's chromium and chromium-driver)"
        );
        return;
    }
    let env = Env::new();
    let (id, code) = answered(&env, "c-zjj", "wang");
    let others: Vec<_> = (0..5).map(|_| answered(&env, "c-zjj", "wang")).collect();
    answered(&env, "c-gtj", "zhao");
    env.ok(
        Some("admin"),
        T0,
        &["policy", "set", "status_failures_per_address", "3"],
    );
    let server = start(&env);
    let base = server.url.clone();
    for (other, c) in &others {
        let form = [
            ("case", other.as_str()),
            ("code", c.as_str()),
            ("handling", "satisfied"),
        ];
        assert_eq!(post(&format!("{base}/status/rate"), &form).0, 200);
    }
    let dir = shots();

    let phone = Browser::start(360, 780);
    phone.go(&format!("{base}/status"));
    page_is_sound(&phone, &base, 360);
    phone.screenshot(&dir.join("status-form-360.png"));
    // By keyboard: the skip link first, then the three links, then the form in order.
    phone.eval("document.activeElement.blur(); return 0");
    let mut order = Vec::new();
    for _ in 0..7 {
        phone.tab(1);
        order.push(
            phone
                .eval("const e = document.activeElement; return e.id || e.className || e.tagName")
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
    }
    assert_eq!(order[0], "skip", "{order:?}");
    let case_at = order
        .iter()
        .position(|x| x == "case")
        .expect("case field focused");
    assert_eq!(order[case_at + 1], "code", "{order:?}");
    assert_eq!(order[case_at + 2], "BUTTON", "{order:?}");
    phone.type_into("#case", &id);
    phone.type_into("#code", &code.to_lowercase());
    phone.click("form.lookup button");
    let text = phone.wait_for(&format!("办理进度：{id}"));
    assert!(text.contains("同意维修，月底前完成"));
    assert!(!text.contains(&code), "the code is not shown");
    page_is_sound(&phone, &base, 360);
    phone.screenshot(&dir.join("status-360.png"));
    phone.click("#handling-satisfied");
    phone.click("form.rate button");
    phone.wait_for("感谢您的评价，已记录。");
    page_is_sound(&phone, &base, 360);

    phone.go(&format!("{base}/kpi?month=2026-03"));
    page_is_sound(&phone, &base, 360);
    let charts = phone.eval(
        "return [...document.querySelectorAll('svg.chart')].map(s => Math.round(s.getBoundingClientRect().width))",
    );
    let widths: Vec<u64> = charts
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_u64())
        .collect();
    assert_eq!(widths.len(), 3, "{charts}");
    assert!(widths.iter().all(|w| (200..=360).contains(w)), "{widths:?}");
    let text = phone.text();
    assert!(text.contains("评价不足 5 件，不公布"), "{text}");
    assert!(
        text.contains("100.0%"),
        "six ratings, all satisfied: {text}"
    );
    phone.screenshot(&dir.join("kpi-360.png"));

    let desk = Browser::start(1280, 900);
    let (other, other_code) = &others[0];
    desk.go(&format!(
        "{base}/status?case={other}&code={other_code}&lang=en"
    ));
    page_is_sound(&desk, &base, 1280);
    assert!(desk.text().contains("Written answer"));
    desk.screenshot(&dir.join("status-1280.png"));
    desk.go(&format!("{base}/kpi?month=2026-03"));
    page_is_sound(&desk, &base, 1280);
    desk.screenshot(&dir.join("kpi-1280.png"));
    drop(desk);

    // Last, as it locks this address out: the 429 page. Three wrong codes, then the fourth
    // look-up waits.
    for _ in 0..3 {
        phone.go(&format!("{base}/status"));
        phone.type_into("#case", &id);
        phone.type_into("#code", "WRONGCOD");
        phone.click("form.lookup button");
        phone.wait_for("未找到与该编号和查询码相符的信访事项");
    }
    phone.go(&format!("{base}/status"));
    phone.type_into("#case", &id);
    phone.type_into("#code", &code);
    phone.click("form.lookup button");
    phone.wait_for("查询失败次数过多");
    page_is_sound(&phone, &base, 360);
    phone.screenshot(&dir.join("status-429-360.png"));
    eprintln!("screenshots in {}", dir.display());
}
