//! `throughline serve`: the web interface and the API; `throughline users …`: accounts.

use std::io::BufRead;

use clap::{Args, Subcommand};
use throughline_server::Application;
use throughline_service::accounts::{self, AccountChange, NewAccount};

use super::{command_line, open_store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(
        long,
        default_value = "127.0.0.1:8080",
        env = "THROUGHLINE_LISTEN",
        value_name = "ADDR"
    )]
    listen: String,
    /// How often, in seconds, the server checks whether a round of digests is due (a value
    /// that is not a whole number of seconds, or 0, is refused rather than guessed).
    #[arg(
        long,
        default_value_t = 3600,
        env = "THROUGHLINE_DIGEST_CHECK_SECONDS",
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    digest_check_seconds: u64,
    /// How often, in seconds, the server applies the retention policy (`throughline retention`;
    /// nothing happens without one).
    #[arg(
        long,
        default_value_t = 86_400,
        env = "THROUGHLINE_RETENTION_CHECK_SECONDS",
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    retention_check_seconds: u64,
    /// How often, in seconds, the server sends the survey invitations and reminders due (when
    /// an SMTP server is configured).
    #[arg(
        long,
        default_value_t = 300,
        env = "THROUGHLINE_SURVEY_SEND_SECONDS",
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    survey_send_seconds: u64,
    #[command(flatten)]
    public_url: super::survey::PublicUrl,
    #[command(flatten)]
    survey_sending: super::survey::SendOptions,
    /// Run no worker beside the server: the jobs asked for in the database (analyses started
    /// on the import page, `analyze --queue`) are left to `throughline worker`s.
    #[arg(long, env = "THROUGHLINE_NO_WORKER")]
    no_worker: bool,
    #[command(flatten)]
    worker_poll: super::jobs::WorkerPoll,
    #[command(flatten)]
    sso: SsoArgs,
}

/// Single sign-on with an OpenID Connect provider (docs/operations.md, "Single sign-on").
#[derive(Debug, Args)]
struct SsoArgs {
    /// The provider's issuer URL (https://, or http:// on this machine); its discovery document
    /// is under /.well-known/openid-configuration. Register PUBLIC_URL/login/sso/callback as
    /// the client's redirect address.
    #[arg(long, env = "THROUGHLINE_SSO_ISSUER", value_name = "URL")]
    sso_issuer: Option<String>,
    /// The client id registered with the provider.
    #[arg(long, env = "THROUGHLINE_SSO_CLIENT_ID", value_name = "ID")]
    sso_client_id: Option<String>,
    /// The client's secret (better given in the environment than on the command line).
    #[arg(
        long,
        env = "THROUGHLINE_SSO_CLIENT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    sso_client_secret: Option<String>,
    /// The ID token's claim the role mapping reads: a string or a list (groups, roles).
    #[arg(
        long,
        env = "THROUGHLINE_SSO_ROLE_CLAIM",
        default_value = "groups",
        value_name = "CLAIM"
    )]
    sso_role_claim: String,
    /// Which claim values get which role, first match first:
    /// "admin=cx-admins,member:billing=billing-team,viewer=*". Nobody else is let in.
    #[arg(long, env = "THROUGHLINE_SSO_ROLES", value_name = "MAPPING")]
    sso_roles: Option<String>,
    /// What the sign-in button calls the provider ("Sign in with NAME").
    #[arg(
        long,
        env = "THROUGHLINE_SSO_NAME",
        default_value = "single sign-on",
        value_name = "NAME"
    )]
    sso_name: String,
}

impl SsoArgs {
    /// The configuration when an issuer is given, checked; `None` without one.
    fn config(
        &self,
        public_url: &str,
    ) -> anyhow::Result<Option<throughline_server::sso::SsoConfig>> {
        let Some(issuer) = &self.sso_issuer else {
            if self.sso_client_id.is_some() || self.sso_roles.is_some() {
                anyhow::bail!("single sign-on needs --sso-issuer (THROUGHLINE_SSO_ISSUER) too");
            }
            return Ok(None);
        };
        let client_id = self
            .sso_client_id
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--sso-issuer needs --sso-client-id too"))?;
        let roles = self.sso_roles.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "--sso-issuer needs --sso-roles too: which claim values get which role \
                 (admin=cx-admins,viewer=*)"
            )
        })?;
        let roles = throughline_server::sso::RoleRule::parse_list(roles)
            .map_err(|e| anyhow::anyhow!("--sso-roles: {e}"))?;
        let config = throughline_server::sso::SsoConfig {
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id,
            client_secret: self.sso_client_secret.clone().unwrap_or_default(),
            public_url: public_url.trim_end_matches('/').to_owned(),
            role_claim: self.sso_role_claim.clone(),
            roles,
            name: self.sso_name.clone(),
        };
        config
            .check()
            .map_err(|e| anyhow::anyhow!("single sign-on: {e}"))?;
        Ok(Some(config))
    }
}

pub async fn serve(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    // A wrong single sign-on setting stops the server before it opens anything.
    let sso = args.sso.config(&args.public_url.public_url)?;
    let store = open_store(url).await?;
    // The digests go out from the server too: every instance may run the job, since each
    // digest is delivered at most once whichever instance claims it first.
    if let Some(schedule) = throughline_notify::Schedule::from_env()? {
        let smtp = throughline_notify::SmtpConfig::from_env()?;
        tokio::spawn(throughline_notify::run_schedule(
            store.clone(),
            schedule,
            smtp,
            std::time::Duration::from_secs(args.digest_check_seconds),
        ));
    }
    // And the survey invitations: each is claimed before it is sent, so instances share them.
    if let Some(smtp) = throughline_notify::SmtpConfig::from_env()? {
        let policy = args.survey_sending.policy(&args.public_url.public_url)?;
        tokio::spawn(throughline_notify::surveys::run_schedule(
            store.clone(),
            smtp,
            policy,
            std::time::Duration::from_secs(args.survey_send_seconds),
        ));
    }
    // A worker for the jobs in the database: each is claimed by one worker of one instance.
    if !args.no_worker {
        let worker = throughline_service::jobs::Worker::new(
            store.clone(),
            throughline_service::jobs::Worker::default_name(),
        );
        tokio::spawn(worker.run(args.worker_poll.every()));
    }
    // So does the retention policy: applying it twice deletes nothing more.
    tokio::spawn(throughline_service::retention::run_schedule(
        store.clone(),
        std::time::Duration::from_secs(args.retention_check_seconds),
    ));
    // The whole-dataset views (journey map, moments, departments' evidence…) are computed
    // ahead of visitors after every change, checked every few seconds.
    let mut app = Application::build(store, &args.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.listen))?
        .keep_views_warm(std::time::Duration::from_secs(5));
    // Password reset links by e-mail, when e-mail is set up.
    if let Some(smtp) = throughline_notify::SmtpConfig::from_env()? {
        app = app.with_mail(smtp, &args.public_url.public_url);
    }
    if let Some(sso) = sso {
        println!("Single sign-on through {} ({}).", sso.name, sso.issuer);
        app = app.with_sso(sso);
    }
    println!(
        "Throughline is serving on http://{}/ (Ctrl-C stops it).",
        app.local_addr()?
    );
    app.run().await?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a user. The password is read from THROUGHLINE_PASSWORD or, without it, from the
    /// first line of standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, council_chair, member (needs --department) or viewer.
        #[arg(long, default_value = "viewer")]
        role: String,
        /// Shorthand for --role admin.
        #[arg(long)]
        admin: bool,
        /// The user's department (a key of the organisation).
        #[arg(long)]
        department: Option<String>,
    },
    /// The users, the disabled ones too.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable an account: it cannot sign in or use its API tokens; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Change an account's role (and a member's department).
    Role {
        #[arg(long)]
        email: String,
        /// admin, council_chair, member (needs --department) or viewer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        department: Option<String>,
    },
    /// Set a new password for someone (read from THROUGHLINE_PASSWORD or standard input); every
    /// session of theirs ends.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

/// A password from THROUGHLINE_PASSWORD or, without it, the first line of standard input.
fn read_password(email: &str) -> anyhow::Result<String> {
    Ok(match std::env::var("THROUGHLINE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("Password for {email} (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    })
}

pub async fn users(url: &str, args: UsersArgs) -> anyhow::Result<()> {
    let store = open_store(url).await?;
    match args.command {
        UsersCommand::Add {
            email,
            name,
            role,
            admin,
            department,
        } => {
            let password = read_password(&email)?;
            let user = accounts::add_user(
                &store,
                NewAccount {
                    email,
                    name,
                    role: if admin { "admin".into() } else { role },
                    department,
                    password,
                },
                "command line",
            )
            .await?;
            println!(
                "Added {} <{}> as {}.",
                user.user.display_name.as_str(),
                user.user.email.as_str(),
                user.user.role.as_str()
            );
        }
        UsersCommand::Disable { email } => {
            let user =
                accounts::change_account(&store, command_line(), &email, AccountChange::Disable)
                    .await?;
            println!(
                "Disabled {}: it cannot sign in or use its tokens; its sessions ended.",
                user.user.email.as_str()
            );
        }
        UsersCommand::Enable { email } => {
            let user =
                accounts::change_account(&store, command_line(), &email, AccountChange::Enable)
                    .await?;
            println!("Enabled {} again.", user.user.email.as_str());
        }
        UsersCommand::Role {
            email,
            role,
            department,
        } => {
            let user = accounts::change_account(
                &store,
                command_line(),
                &email,
                AccountChange::Role { role, department },
            )
            .await?;
            println!(
                "{} is now {}{}.",
                user.user.email.as_str(),
                user.user.role.as_str(),
                user.user
                    .department
                    .as_ref()
                    .map_or_else(String::new, |d| format!(" of {}", d.as_str()))
            );
        }
        UsersCommand::ResetPassword { email } => {
            let password = read_password(&email)?;
            let user = accounts::change_account(
                &store,
                command_line(),
                &email,
                AccountChange::ResetPassword(password),
            )
            .await?;
            println!(
                "Set a new password for {}; every session of theirs ended.",
                user.user.email.as_str()
            );
        }
        UsersCommand::List { json } => {
            let all = store.all_users().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for u in &all {
                    println!(
                        "{:>4}  {:<32} {:<24} {:<14} {:<16}{}",
                        u.id,
                        u.user.email.as_str(),
                        u.user.display_name.as_str(),
                        u.user.role.as_str(),
                        u.user.department.as_ref().map_or("", |d| d.as_str()),
                        if u.disabled_at.is_some() {
                            " disabled"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
    }
    store.close().await;
    Ok(())
}
