//! A real browser for the page tests: Debian's headless Chromium driven through its ChromeDriver
//! with the W3C WebDriver protocol, spoken here as plain JSON over HTTP (ureq). A synchronous
//! client of a dozen calls, rather than an async WebDriver crate and a runtime in the tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The WebDriver protocol's key for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser's paths, when installed (`.ci/run` installs them).
pub fn installed() -> Option<(&'static str, &'static str)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let driver = "/usr/bin/chromedriver";
    Path::new(driver).exists().then_some((chromium, driver))
}

/// Whether the browser tests must run (CI sets `PETITION_REQUIRE_BROWSER=1`); otherwise a
/// machine without Chromium skips them, saying so.
pub fn required() -> bool {
    std::env::var("PETITION_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// A running ChromeDriver and one headless Chromium session of it.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn call(method: &str, url: &str, body: Option<Value>) -> Value {
    let req = ureq::request(method, url).timeout(Duration::from_secs(60));
    let r = match body {
        Some(b) => req
            .set("Content-Type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    let text = match r {
        Ok(r) => r.into_string().expect("body"),
        Err(ureq::Error::Status(code, r)) => {
            panic!(
                "WebDriver {method} {url}: {code} {}",
                r.into_string().unwrap_or_default()
            )
        }
        Err(e) => panic!("WebDriver {method} {url}: {e}"),
    };
    let v: Value = serde_json::from_str(&text).expect("WebDriver JSON");
    v["value"].clone()
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium whose viewport is `width` × `height` CSS
    /// pixels, with no network beyond what pages ask for (no background requests of its own).
    pub fn start(width: u32, height: u32) -> Browser {
        let (chromium, driver_path) = installed().expect("chromium and chromedriver");
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        // A window is at least 500 pixels wide: a phone's width comes from device emulation.
        let emulation = json!({"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 1.0, "mobile": true, "touch": false,
        }});
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    "--force-device-scale-factor=1",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let mut caps = caps;
        if width < 500 {
            caps["capabilities"]["alwaysMatch"]["goog:chromeOptions"]["mobileEmulation"] =
                emulation;
        }
        let v = call("POST", &format!("{base}/session"), Some(caps));
        let session = v["sessionId"].as_str().expect("session id").to_string();
        Browser {
            driver,
            base,
            session,
            _profile: profile,
        }
    }

    fn url(&self, rest: &str) -> String {
        format!("{}/session/{}{rest}", self.base, self.session)
    }

    /// Opens `url` and waits until it has loaded.
    pub fn go(&self, url: &str) {
        call("POST", &self.url("/url"), Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body that returns a value) in the page.
    pub fn eval(&self, script: &str) -> Value {
        call(
            "POST",
            &self.url("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let v = call(
            "POST",
            &self.url("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().expect("element").to_string()
    }

    /// Types `text` into the element at `css`.
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        call(
            "POST",
            &self.url(&format!("/element/{e}/value")),
            Some(json!({ "text": text })),
        );
    }

    /// Clicks the element at `css` (a submit waits for the next page).
    pub fn click(&self, css: &str) {
        let e = self.element(css);
        call(
            "POST",
            &self.url(&format!("/element/{e}/click")),
            Some(json!({})),
        );
    }

    /// Presses Tab `n` times from where the focus is.
    pub fn tab(&self, n: usize) {
        let mut keys = Vec::new();
        for _ in 0..n {
            keys.push(json!({"type": "keyDown", "value": "\u{E004}"}));
            keys.push(json!({"type": "keyUp", "value": "\u{E004}"}));
        }
        call(
            "POST",
            &self.url("/actions"),
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": keys}]})),
        );
    }

    /// The page's visible text.
    pub fn text(&self) -> String {
        self.eval("return document.body.innerText")
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Waits (up to 20 seconds) for the page's text to contain `needle`; returns the text.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared in: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Saves a screenshot of the whole page (not only the viewport) as PNG, through
    /// ChromeDriver's pass-through to the DevTools protocol.
    pub fn screenshot(&self, to: &Path) {
        let size = self.eval(
            "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]",
        );
        let (w, h) = (
            size[0].as_f64().unwrap_or(360.0),
            size[1].as_f64().unwrap_or(800.0),
        );
        let v = call(
            "POST",
            &self.url("/goog/cdp/execute"),
            Some(json!({"cmd": "Page.captureScreenshot", "params": {
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1},
            }})),
        );
        let png = base64_decode(v["data"].as_str().expect("base64"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(to, png).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url("")).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes() {
        assert_eq!(super::base64_decode("aGVsbG8="), b"hello");
        assert_eq!(super::base64_decode("iVBORw=="), b"\x89PNG");
    }
}
