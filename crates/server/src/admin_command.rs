//! `multicaisse admin`: reads what the service needs (a password from the terminal or
//! standard input, never from the arguments), calls it, and says what it did in one line
//! per fact.

use crate::admin::{self, AdminError, Operator};
use crate::config::{AdminAction, AdminArgs};
use crate::shops::Acting;
use multicaisse_core::identity::ShopInput;
use std::io::{BufRead, IsTerminal};

/// What to print on success, or the one line that says why not.
pub async fn run(args: AdminArgs) -> Result<String, String> {
    let target = args.database.target().map_err(|e| e.to_string())?;
    let storage = crate::storage::open(&target)
        .await
        .map_err(|e| e.to_string())?;
    let operator = Operator::from_environment();
    let now = chrono::Utc::now();
    let done = match args.action {
        AdminAction::CreateSupport { email, name } => {
            let password = read_password()?;
            let user = admin::create_support_account(
                storage.as_ref(),
                &email,
                &name,
                &password,
                &operator,
                now,
            )
            .await
            .map_err(said)?;
            format!(
                "support account {} ({}) created in {}",
                user.email,
                user.display_name,
                target.describe()
            )
        }
        AdminAction::CreateShop {
            name,
            siret,
            address,
            vat_number,
            time_zone,
            fiscal_year_end_month,
            register_label,
        } => {
            let input = ShopInput {
                name: &name,
                siret: &siret,
                address: &address,
                vat_number: &vat_number,
                time_zone: &time_zone,
                fiscal_year_end_month,
            };
            let (store, register) = crate::shops::open_shop(
                storage.as_ref(),
                &input,
                &register_label,
                Acting::Operator(&operator),
                now,
            )
            .await
            .map_err(said)?;
            format!(
                "shop {} created (id {}, SIRET {}), with its principal register {} \"{}\" \
                 (id {}) ready to pair",
                store.name, store.id, store.siret, register.number, register.label, register.id
            )
        }
        AdminAction::ListAccounts => {
            let accounts = admin::accounts(storage.as_ref()).await.map_err(said)?;
            let mut out = csv::WriterBuilder::new()
                .delimiter(b'\t')
                .from_writer(Vec::new());
            let header = ["email", "name", "kind", "created", "disabled", "shops"];
            out.write_record(header).map_err(|e| e.to_string())?;
            for account in accounts {
                let shops: Vec<String> = account
                    .stores
                    .iter()
                    .map(|(name, role)| format!("{name} ({})", role.code()))
                    .collect();
                out.write_record([
                    account.user.email.as_str(),
                    account.user.display_name.as_str(),
                    if account.user.support {
                        "support"
                    } else {
                        "member"
                    },
                    &account
                        .created_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    &account
                        .disabled_at
                        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                        .unwrap_or_default(),
                    &shops.join(", "),
                ])
                .map_err(|e| e.to_string())?;
            }
            let bytes = out.into_inner().map_err(|e| e.to_string())?;
            String::from_utf8_lossy(&bytes).trim_end().to_string()
        }
        AdminAction::DisableAccount { email } => {
            let (user, changed) = admin::disable_account(storage.as_ref(), &email, &operator, now)
                .await
                .map_err(said)?;
            if changed {
                format!("account {} disabled; its sessions ended", user.email)
            } else {
                format!("account {} was already disabled", user.email)
            }
        }
        AdminAction::ResetLink { email, public_url } => {
            let issued = crate::passwords::issue_link(
                storage.as_ref(),
                &email,
                &public_url,
                None,
                &operator.said(),
                now,
            )
            .await
            .map_err(|e| e.to_string())?;
            match issued {
                Some((user, link, expires_at)) => format!(
                    "{link}\n(for {}, valid until {}; it works once)",
                    user.email,
                    expires_at.format("%Y-%m-%d %H:%M UTC")
                ),
                None => {
                    return Err(format!(
                        "no live account has the address {}, or it had {} links this hour",
                        email.trim(),
                        multicaisse_core::auth::RESET_LINKS_PER_HOUR
                    ))
                }
            }
        }
    };
    storage.close().await;
    Ok(done)
}

fn said(error: AdminError) -> String {
    error.to_string()
}

/// Asked twice on a terminal (not echoed); otherwise the first line of standard input.
fn read_password() -> Result<String, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again =
            rpassword::prompt_password("The same password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords differ: nothing was created".into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
