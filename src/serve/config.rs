//! The `[serve]` table of the configuration file, which the library keeps
//! for the daemon unread. Every key may be left out; `xferscan.example.toml`
//! has each at its default, with what it does (a test checks that it
//! parses to [`ServeConfig::default`]). Sizes and times are written as in
//! `[limits]`; an unknown key is an error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use xferscan::config::{parse_duration, parse_size};

/// The daemon's settings: `[serve]` with its defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    pub unix: Option<PathBuf>,
    pub unix_mode: u32,
    pub tcp: Option<SocketAddr>,
    pub icap: Option<SocketAddr>,
    pub icap_service: String,
    pub icap_preview: u64,
    pub workers: usize,
    pub queue: usize,
    pub queue_timeout: Duration,
    pub max_connections: usize,
    pub command_timeout: Duration,
    pub read_timeout: Duration,
    pub idle_timeout: Duration,
    pub stream_max: u64,
    pub suspicious_found: bool,
    pub first_hit: bool,
    pub clean_cache: usize,
    pub path_commands_on_tcp: bool,
    pub reload_command: bool,
    pub shutdown_command: bool,
    pub shutdown_grace: Duration,
    pub watch_rules: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            unix: None,
            unix_mode: 0o660,
            tcp: None,
            icap: None,
            icap_service: "xferscan".into(),
            icap_preview: 1024,
            workers: 0,
            queue: 64,
            queue_timeout: Duration::from_secs(30),
            max_connections: 512,
            command_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(120),
            idle_timeout: Duration::from_secs(30),
            stream_max: 100 << 20,
            suspicious_found: true,
            first_hit: true,
            clean_cache: 65_536,
            path_commands_on_tcp: false,
            reload_command: true,
            shutdown_command: true,
            shutdown_grace: Duration::from_secs(30),
            watch_rules: Duration::ZERO,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    unix: Option<PathBuf>,
    unix_mode: Option<String>,
    tcp: Option<String>,
    icap: Option<String>,
    icap_service: Option<String>,
    icap_preview: Option<u64>,
    workers: Option<usize>,
    queue: Option<usize>,
    queue_timeout: Option<toml::Value>,
    max_connections: Option<usize>,
    command_timeout: Option<toml::Value>,
    read_timeout: Option<toml::Value>,
    idle_timeout: Option<toml::Value>,
    stream_max: Option<toml::Value>,
    suspicious: Option<String>,
    first_hit: Option<bool>,
    clean_cache: Option<usize>,
    path_commands_on_tcp: Option<bool>,
    reload_command: Option<bool>,
    shutdown_command: Option<bool>,
    shutdown_grace: Option<toml::Value>,
    watch_rules: Option<toml::Value>,
}

fn duration(key: &str, v: &toml::Value) -> Result<Duration, String> {
    let d = match v {
        toml::Value::Integer(n) => u64::try_from(*n).ok().map(Duration::from_secs),
        toml::Value::String(t) => parse_duration(t),
        _ => None,
    };
    d.ok_or_else(|| format!("[serve] {key} must be seconds, or a string such as \"30s\""))
}

/// An address: `HOST:PORT`, or a bare port on loopback.
pub fn addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse()
        .map_err(|_| format!("not an address: {text:?} (use ADDR:PORT, such as 127.0.0.1:3310)"))
}

impl ServeConfig {
    /// Reads `[serve]` over the defaults.
    pub fn from_table(table: &toml::Table) -> Result<ServeConfig, String> {
        let s = Section::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| format!("[serve]: {}", e.message()))?;
        let mut c = ServeConfig::default();
        if let Some(v) = s.unix {
            c.unix = Some(v);
        }
        if let Some(v) = s.unix_mode {
            c.unix_mode = u32::from_str_radix(v.trim_start_matches("0o"), 8)
                .ok()
                .filter(|m| *m <= 0o777)
                .ok_or_else(|| {
                    format!("[serve] unix_mode must be octal, such as \"0660\", not {v:?}")
                })?;
        }
        if let Some(v) = s.tcp {
            c.tcp = Some(addr(&v)?);
        }
        if let Some(v) = s.icap {
            c.icap = Some(addr(&v)?);
        }
        if let Some(v) = s.icap_service {
            c.icap_service = v;
        }
        if let Some(v) = s.icap_preview {
            c.icap_preview = v;
        }
        if let Some(v) = s.workers {
            c.workers = v;
        }
        if let Some(v) = s.queue {
            c.queue = v;
        }
        if let Some(v) = s.max_connections {
            c.max_connections = v.max(1);
        }
        for (key, slot, v) in [
            ("queue_timeout", &mut c.queue_timeout, &s.queue_timeout),
            (
                "command_timeout",
                &mut c.command_timeout,
                &s.command_timeout,
            ),
            ("read_timeout", &mut c.read_timeout, &s.read_timeout),
            ("idle_timeout", &mut c.idle_timeout, &s.idle_timeout),
            ("shutdown_grace", &mut c.shutdown_grace, &s.shutdown_grace),
            ("watch_rules", &mut c.watch_rules, &s.watch_rules),
        ] {
            if let Some(v) = v {
                *slot = duration(key, v)?;
            }
        }
        if let Some(v) = s.stream_max {
            c.stream_max = match &v {
                toml::Value::Integer(n) => u64::try_from(*n).ok(),
                toml::Value::String(t) => parse_size(t),
                _ => None,
            }
            .ok_or("[serve] stream_max must be bytes, or a string such as \"100M\"")?;
        }
        if let Some(v) = s.suspicious {
            c.suspicious_found = match v.as_str() {
                "found" => true,
                "ok" => false,
                other => {
                    return Err(format!(
                        "[serve] suspicious must be \"found\" or \"ok\", not {other:?}"
                    ));
                }
            };
        }
        if let Some(v) = s.first_hit {
            c.first_hit = v;
        }
        if let Some(v) = s.clean_cache {
            c.clean_cache = v;
        }
        if let Some(v) = s.path_commands_on_tcp {
            c.path_commands_on_tcp = v;
        }
        if let Some(v) = s.reload_command {
            c.reload_command = v;
        }
        if let Some(v) = s.shutdown_command {
            c.shutdown_command = v;
        }
        // Timeouts of zero would turn into blocking forever.
        for d in [
            &mut c.command_timeout,
            &mut c.read_timeout,
            &mut c.idle_timeout,
        ] {
            if d.is_zero() {
                *d = Duration::from_millis(1);
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_the_defaults() {
        let c = xferscan::Config::from_path(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/xferscan.example.toml"
        ))
        .unwrap();
        assert_eq!(
            ServeConfig::from_table(&c.serve).unwrap(),
            ServeConfig::default()
        );
    }

    #[test]
    fn keys_parse_and_unknown_keys_are_refused() {
        let t: toml::Table = toml::from_str(
            r#"
            unix = "/tmp/x.sock"
            unix_mode = "0600"
            tcp = "3310"
            icap = "0.0.0.0:1344"
            workers = 4
            read_timeout = "2m"
            command_timeout = 5
            stream_max = "25M"
            suspicious = "ok"
            "#,
        )
        .unwrap();
        let c = ServeConfig::from_table(&t).unwrap();
        assert_eq!(c.unix_mode, 0o600);
        assert_eq!(c.tcp, Some("127.0.0.1:3310".parse().unwrap()));
        assert_eq!(c.icap, Some("0.0.0.0:1344".parse().unwrap()));
        assert_eq!(c.read_timeout, Duration::from_secs(120));
        assert_eq!(c.command_timeout, Duration::from_secs(5));
        assert_eq!(c.stream_max, 25 << 20);
        assert!(!c.suspicious_found);
        let bad: toml::Table = toml::from_str("port = 1").unwrap();
        assert!(ServeConfig::from_table(&bad).unwrap_err().contains("port"));
        let bad: toml::Table = toml::from_str("suspicious = \"maybe\"").unwrap();
        assert!(ServeConfig::from_table(&bad).is_err());
    }
}
