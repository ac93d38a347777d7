//! Accounts and roles: who may do what, the rules of sign-in input and of throttling, and the
//! API types of accounts. The server enforces these rules; the app uses the same ones to
//! show only what a role may do.

use crate::api::ParamError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A person's role in one store. Support staff are not members: they reach every store.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything about the store.
    Owner,
    /// Read-only: sales and Z files.
    Accountant,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Accountant => "accountant",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        match code {
            "owner" => Some(Role::Owner),
            "accountant" => Some(Role::Accountant),
            _ => None,
        }
    }
}

/// What one may do with a store. Each API route and each page asks for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Sales, registers, journal integrity.
    ViewSales,
    /// Z files (closures).
    ViewClosures,
    /// Devices and their syncs.
    ViewSync,
    /// Registers' subscription.
    ViewSubscription,
    /// Ending an extra register.
    Decommission,
    /// Revoking a register's device tokens (a lost or replaced iPad).
    RevokeDevices,
    /// Enrolling a register's iPad: pairing codes (support activates registers).
    EnrolRegisters,
    /// Who has access, and pending invitations.
    ViewAccess,
    /// Inviting, revoking, changing roles.
    ManageAccess,
    /// The store's audit log.
    ViewAudit,
    /// The store's bookkeeping settings: the accounts of its sales journal (FEC).
    ConfigureBookkeeping,
    /// Asking support for an extra register.
    RequestRegisters,
    /// The shop's own information: name, SIRET, address, VAT number, time zone, fiscal year.
    EditShop,
    /// Inviting the owner of a shop support has just opened (support staff only: afterwards
    /// the owner invites).
    InviteFirstOwner,
}

impl Capability {
    pub const ALL: [Capability; 14] = [
        Capability::ViewSales,
        Capability::ViewClosures,
        Capability::ViewSync,
        Capability::ViewSubscription,
        Capability::Decommission,
        Capability::RevokeDevices,
        Capability::EnrolRegisters,
        Capability::ViewAccess,
        Capability::ManageAccess,
        Capability::ViewAudit,
        Capability::ConfigureBookkeeping,
        Capability::RequestRegisters,
        Capability::EditShop,
        Capability::InviteFirstOwner,
    ];

    /// Whether the owner of a store has this capability there.
    fn owner_may(self) -> bool {
        !matches!(
            self,
            Capability::EnrolRegisters | Capability::InviteFirstOwner
        )
    }

    fn accountant_may(self) -> bool {
        matches!(self, Capability::ViewSales | Capability::ViewClosures)
    }

    /// Support runs the service for every store but does not hand out access to a shop's
    /// books: that is the owner's decision.
    fn support_may(self) -> bool {
        !matches!(self, Capability::ManageAccess)
    }

    /// In words, for a refusal: "your account may not {words} for store 3".
    pub fn words(self) -> &'static str {
        match self {
            Capability::ViewSales => "see the sales",
            Capability::ViewClosures => "see the Z files",
            Capability::ViewSync => "see the devices and their syncs",
            Capability::ViewSubscription => "see the subscription",
            Capability::Decommission => "decommission registers",
            Capability::RevokeDevices => "revoke devices",
            Capability::EnrolRegisters => "enrol registers (support staff only)",
            Capability::ViewAccess => "see who has access",
            Capability::ManageAccess => "manage access (owners only)",
            Capability::ViewAudit => "see the audit log",
            Capability::ConfigureBookkeeping => "change the accounts of the sales journal",
            Capability::RequestRegisters => "ask for an extra register",
            Capability::EditShop => "change the shop's information",
            Capability::InviteFirstOwner => "invite a new shop's first owner (support staff only)",
        }
    }
}

/// One store a person has access to.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub store_id: i64,
    pub store_name: String,
    pub role: Role,
    /// The store's clock, so that its periods resolve without asking for the store again.
    #[cfg_attr(feature = "openapi", schemars(with = "String"))]
    pub time_zone: crate::store::StoreTimeZone,
    pub fiscal_year_end_month: u8,
}

/// Who is asking: support staff, or a member of some stores.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    pub support: bool,
    pub memberships: &'a [Membership],
}

impl Principal<'_> {
    pub fn role_in(&self, store_id: i64) -> Option<Role> {
        self.memberships
            .iter()
            .find(|m| m.store_id == store_id)
            .map(|m| m.role)
    }

    /// The one access rule: support by capability, members by their role in that store,
    /// everyone else not at all.
    pub fn can(&self, store_id: i64, capability: Capability) -> bool {
        if self.support {
            return capability.support_may();
        }
        match self.role_in(store_id) {
            Some(Role::Owner) => capability.owner_may(),
            Some(Role::Accountant) => capability.accountant_may(),
            None => false,
        }
    }
}

/// The signed-in person, as `/api/auth/me` and sign-in return it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub support: bool,
    /// The stores this person is a member of (support staff reach every store without one).
    pub memberships: Vec<Membership>,
    /// To send back as `X-CSRF-Token` with every state-changing request of this session.
    pub csrf_token: String,
    pub session_expires_at: DateTime<Utc>,
}

impl Me {
    pub fn principal(&self) -> Principal<'_> {
        Principal {
            support: self.support,
            memberships: &self.memberships,
        }
    }

    pub fn can(&self, store_id: i64, capability: Capability) -> bool {
        self.principal().can(store_id, capability)
    }
}

pub const CSRF_HEADER: &str = "x-csrf-token";
pub const SESSION_COOKIE: &str = "multicaisse_session";
/// Sessions end this long after sign-in, whatever happens.
pub const SESSION_HOURS: i64 = 12;
pub const INVITATION_DAYS: i64 = 7;
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing it costs nothing unusual.
pub const MAX_PASSWORD_CHARS: usize = 128;
pub const MAX_NAME_CHARS: usize = 100;
/// Failed sign-ins for one address before each new one is delayed.
pub const FREE_FAILURES: u32 = 5;
/// Failures older than this are forgotten.
pub const FAILURE_WINDOW_MINUTES: i64 = 60;
const FIRST_LOCK_SECONDS: i64 = 30;
const MAX_LOCK_SECONDS: i64 = 15 * 60;

/// Failed sign-ins from one client address before each new one is delayed, by default: far
/// more than one person mistyping, far fewer than a guessing script (an office behind one
/// address shares it).
pub const FREE_CLIENT_FAILURES: u32 = 100;

/// How long sign-in stays closed for an address after its `failures`-th failure in a row:
/// nothing for the first few, then 30 s doubling up to 15 min.
pub fn lockout_after(failures: u32) -> Option<Duration> {
    lockout_after_free(failures, FREE_FAILURES)
}

/// The same rule for a key allowed `free` failures before the first lock.
pub fn lockout_after_free(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free.max(1))?;
    let seconds = FIRST_LOCK_SECONDS
        .saturating_mul(1_i64.checked_shl(over.min(20)).unwrap_or(i64::MAX))
        .min(MAX_LOCK_SECONDS);
    Some(Duration::seconds(seconds))
}

/// When sign-in opens again for an address, if it is closed at `now`.
pub fn locked_until(
    failures: u32,
    last_failure_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    locked_until_free(failures, FREE_FAILURES, last_failure_at, now)
}

pub fn locked_until_free(
    failures: u32,
    free: u32,
    last_failure_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if now - last_failure_at > Duration::minutes(FAILURE_WINDOW_MINUTES) {
        return None;
    }
    let until = last_failure_at + lockout_after_free(failures, free)?;
    (until > now).then_some(until)
}

/// The failures still held against a key after a quiet spell: `free` of them are forgiven
/// per window, evenly, and all of them once a whole window passed. Without the decay, one
/// failure every 15 minutes (each past the longest lock) would climb for ever and keep the
/// address closed for good.
pub fn decayed_failures(
    failures: u32,
    free: u32,
    last_failure_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> u32 {
    let quiet = (now - last_failure_at).max(Duration::zero());
    let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
    if quiet > window {
        return 0;
    }
    let forgiven = quiet.num_milliseconds() * i64::from(free.max(1)) / window.num_milliseconds();
    failures.saturating_sub(u32::try_from(forgiven).unwrap_or(u32::MAX))
}

/// Whether one more attempt may check a password, counted before the (slow) check so that
/// concurrent attempts cannot all slip under the limit: the failures to store for it (it
/// counts as one until it succeeds), or when the key opens again.
pub fn admit_attempt(
    previous: Option<(u32, DateTime<Utc>)>,
    free: u32,
    now: DateTime<Utc>,
) -> Result<u32, DateTime<Utc>> {
    let Some((failures, last)) = previous else {
        return Ok(1);
    };
    if let Some(until) = locked_until_free(failures, free, last, now) {
        return Err(until);
    }
    Ok(decayed_failures(failures, free, last, now).saturating_add(1))
}

/// An email address as stored and compared: trimmed, lowercased, and plausible. Only the
/// shape is checked; whether it receives mail is the invitation's business.
pub fn normalize_email(field: &str, raw: &str) -> Result<String, ParamError> {
    let email = raw.trim().to_lowercase();
    let bad = |why: &str| Err(ParamError::new(field, format!("`{}` {why}", raw.trim())));
    if email.is_empty() {
        return Err(ParamError::new(field, "is empty"));
    }
    if email.chars().count() > 254 {
        return Err(ParamError::new(
            field,
            "is longer than 254 characters, the limit of an email address",
        ));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return bad("is not an email address (no @)");
    };
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return bad("is not an email address");
    }
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
    {
        return bad("is not an email address (it has a space or a forbidden character)");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return bad("is not an email address (its domain is not valid)");
    }
    Ok(email)
}

/// A password being chosen: long enough to resist guessing, bounded so that hashing stays
/// cheap. No composition rules (NIST SP 800-63B): length is what matters.
pub fn check_new_password(field: &str, password: &str) -> Result<(), ParamError> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        return Err(ParamError::new(
            field,
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    check_password_length(field, password)
}

/// Any password presented: refused before hashing when longer than the bound.
pub fn check_password_length(field: &str, password: &str) -> Result<(), ParamError> {
    if password.is_empty() {
        return Err(ParamError::new(field, "is empty"));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ParamError::new(
            field,
            format!("is longer than {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A person's name as shown to others: 1 to 100 characters once trimmed.
pub fn check_display_name(field: &str, name: &str) -> Result<String, ParamError> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ParamError::new(
            field,
            format!("must be 1 to {MAX_NAME_CHARS} printable characters"),
        ));
    }
    Ok(name.to_string())
}

/// The name of an account created from an invitation whose name field was left empty (the
/// page does not require it, since an existing account keeps its own): the address's local
/// part. Refusing instead would tell the link's holder whether the address has an account.
pub fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    let name: String = local
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    if name.is_empty() {
        email.chars().take(MAX_NAME_CHARS).collect()
    } else {
        name
    }
}

/// How long a password reset link works.
pub const RESET_LINK_MINUTES: i64 = 60;
/// Reset links one address may be sent within an hour: more are not made (and the answer
/// does not say so, as it never says whether the address has an account).
pub const RESET_LINKS_PER_HOUR: u32 = 3;

/// A signed-in person's new password; the current one proves it is them.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 128)))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 12, max = 128)))]
    pub new_password: String,
}

/// The answer to a changed password.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChanged {
    /// The person's other sessions, ended.
    pub other_sessions_ended: u64,
}

/// A forgotten password: where to send a reset link, and in which language.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 254), email))]
    pub email: String,
    #[serde(default)]
    pub lang: crate::format::Lang,
}

/// Always the same, whether the address has an account or not.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetRequested {
    pub message: String,
}

/// A new password, chosen from a reset link.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 12, max = 128)))]
    pub new_password: String,
}

/// A password chosen from a reset link: the account it is for, to sign in with.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordWasReset {
    pub email: String,
}

/// A reset link support made for someone, to hand over when no mail server is set.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLink {
    pub link: String,
    pub expires_at: DateTime<Utc>,
    /// True when it was also e-mailed.
    pub mailed: bool,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 254)))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 128)))]
    pub password: String,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOut {
    /// Sessions ended by this request.
    pub sessions_ended: u64,
}

/// An owner invites someone to a store (an accountant, usually).
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    #[cfg_attr(feature = "openapi", schemars(email, length(min = 3, max = 254)))]
    pub email: String,
    /// `accountant` unless said otherwise.
    #[serde(default = "accountant")]
    pub role: Role,
    /// The language of the e-mail, when a mail server is set: the inviting page's.
    #[serde(default)]
    pub lang: crate::format::Lang,
}

fn accountant() -> Role {
    Role::Accountant
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    Pending,
    Accepted,
    Cancelled,
    Expired,
}

impl InvitationState {
    pub fn of(
        accepted_at: Option<DateTime<Utc>>,
        cancelled_at: Option<DateTime<Utc>>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> InvitationState {
        match (accepted_at, cancelled_at) {
            (Some(_), _) => InvitationState::Accepted,
            (_, Some(_)) => InvitationState::Cancelled,
            _ if expires_at <= now => InvitationState::Expired,
            _ => InvitationState::Pending,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: i64,
    pub store_id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub state: InvitationState,
    /// The link to send to the invitee: only in the answer that creates the invitation (the
    /// server keeps a hash of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// What the holder of an invitation link sees before accepting it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub store_name: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub state: InvitationState,
}

/// Accepting an invitation: with a new account's password and name, or an existing account's
/// password. The answer is the same shape either way.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 128)))]
    pub token: String,
    /// A new account's: at least 12 characters; an existing account's: its password.
    #[cfg_attr(feature = "openapi", schemars(length(min = 1, max = 128)))]
    pub password: String,
    /// A new account's name (an existing account keeps its own).
    #[cfg_attr(
        feature = "openapi",
        schemars(length(max = 100), regex(path = "crate::text::NAME_PATTERN"))
    )]
    pub display_name: String,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub since: DateTime<Utc>,
}

/// Who has access to a store, and who is invited.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreAccess {
    pub store_id: i64,
    pub members: Vec<Member>,
    /// Pending invitations, newest first.
    pub invitations: Vec<Invitation>,
}

/// Support gives a store without an owner one: an existing account, by email.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerGrantRequest {
    #[cfg_attr(feature = "openapi", schemars(email, length(min = 3, max = 254)))]
    pub email: String,
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChangeRequest {
    pub role: Role,
}

/// What the audit log records.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    InvitationCreated,
    InvitationCancelled,
    InvitationAccepted,
    AccessRevoked,
    RoleChanged,
    RegisterRequested,
    RegisterActivated,
    RegisterRefused,
    DecommissionStarted,
    DecommissionSuspended,
    DecommissionUninstalled,
    DecommissionCancelled,
    DevicePaired,
    /// Support revoked a register's iPad tokens (a lost or replaced iPad).
    DevicesRevoked,
    /// A support account created by the admin command.
    AccountCreated,
    /// An account disabled: it signs in no more, its sessions ended.
    AccountDisabled,
    /// A shop created, with its principal register.
    StoreCreated,
    /// A signed-in person chose a new password; their other sessions ended.
    PasswordChanged,
    /// A reset link was made for an account (asked by its owner, by support, or by the admin
    /// command).
    PasswordResetIssued,
    /// A reset link was used: a new password, every session ended.
    PasswordReset,
    /// The shop's own information changed (its detail says which fields, from what to what).
    StoreIdentityChanged,
}

impl AuditEvent {
    pub const ALL: [AuditEvent; 25] = [
        AuditEvent::SignIn,
        AuditEvent::SignInFailed,
        AuditEvent::SignInThrottled,
        AuditEvent::SignOut,
        AuditEvent::InvitationCreated,
        AuditEvent::InvitationCancelled,
        AuditEvent::InvitationAccepted,
        AuditEvent::AccessRevoked,
        AuditEvent::RoleChanged,
        AuditEvent::RegisterRequested,
        AuditEvent::RegisterActivated,
        AuditEvent::RegisterRefused,
        AuditEvent::DecommissionStarted,
        AuditEvent::DecommissionSuspended,
        AuditEvent::DecommissionUninstalled,
        AuditEvent::DecommissionCancelled,
        AuditEvent::DevicePaired,
        AuditEvent::DevicesRevoked,
        AuditEvent::AccountCreated,
        AuditEvent::AccountDisabled,
        AuditEvent::StoreCreated,
        AuditEvent::PasswordChanged,
        AuditEvent::PasswordResetIssued,
        AuditEvent::PasswordReset,
        AuditEvent::StoreIdentityChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditEvent::SignIn => "sign_in",
            AuditEvent::SignInFailed => "sign_in_failed",
            AuditEvent::SignInThrottled => "sign_in_throttled",
            AuditEvent::SignOut => "sign_out",
            AuditEvent::InvitationCreated => "invitation_created",
            AuditEvent::InvitationCancelled => "invitation_cancelled",
            AuditEvent::InvitationAccepted => "invitation_accepted",
            AuditEvent::AccessRevoked => "access_revoked",
            AuditEvent::RoleChanged => "role_changed",
            AuditEvent::RegisterRequested => "register_requested",
            AuditEvent::RegisterActivated => "register_activated",
            AuditEvent::RegisterRefused => "register_refused",
            AuditEvent::DecommissionStarted => "decommission_started",
            AuditEvent::DecommissionSuspended => "decommission_suspended",
            AuditEvent::DecommissionUninstalled => "decommission_uninstalled",
            AuditEvent::DecommissionCancelled => "decommission_cancelled",
            AuditEvent::DevicePaired => "device_paired",
            AuditEvent::DevicesRevoked => "devices_revoked",
            AuditEvent::AccountCreated => "account_created",
            AuditEvent::AccountDisabled => "account_disabled",
            AuditEvent::StoreCreated => "store_created",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::PasswordResetIssued => "password_reset_issued",
            AuditEvent::PasswordReset => "password_reset",
            AuditEvent::StoreIdentityChanged => "store_identity_changed",
        }
    }

    pub fn parse(code: &str) -> Option<AuditEvent> {
        AuditEvent::ALL.into_iter().find(|e| e.code() == code)
    }

    /// What the journal files it under, for its filter.
    pub fn topic(self) -> AuditTopic {
        use AuditEvent::*;
        match self {
            SignIn | SignInFailed | SignInThrottled | SignOut | PasswordChanged
            | PasswordResetIssued | PasswordReset => AuditTopic::SignIns,
            InvitationCreated | InvitationCancelled | InvitationAccepted | AccessRevoked
            | RoleChanged | AccountCreated | AccountDisabled => AuditTopic::Access,
            RegisterRequested
            | RegisterActivated
            | RegisterRefused
            | DecommissionStarted
            | DecommissionSuspended
            | DecommissionUninstalled
            | DecommissionCancelled
            | DevicePaired
            | DevicesRevoked => AuditTopic::Registers,
            StoreCreated | StoreIdentityChanged => AuditTopic::Shop,
        }
    }
}

/// The journal's filter: what an entry is about, as an owner asks it.
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditTopic {
    /// Signing in and out, passwords.
    SignIns,
    /// Who has access: invitations, roles, revocations, accounts.
    Access,
    /// Registers: requests, activations, iPads, decommissions.
    Registers,
    /// The shop itself: opened, its information changed.
    Shop,
}

impl AuditTopic {
    pub const ALL: [AuditTopic; 4] = [
        AuditTopic::SignIns,
        AuditTopic::Access,
        AuditTopic::Registers,
        AuditTopic::Shop,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditTopic::SignIns => "sign_ins",
            AuditTopic::Access => "access",
            AuditTopic::Registers => "registers",
            AuditTopic::Shop => "shop",
        }
    }

    pub fn parse(code: &str) -> Option<AuditTopic> {
        AuditTopic::ALL.into_iter().find(|t| t.code() == code)
    }

    /// `?topic=` as a request gives it: absent or empty for every topic.
    pub fn from_param(value: Option<&str>) -> Result<Option<AuditTopic>, crate::api::ParamError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(code) => AuditTopic::parse(code).map(Some).ok_or_else(|| {
                crate::api::ParamError::new(
                    "topic",
                    format!(
                        "`{code}` is not a topic: {}",
                        AuditTopic::ALL.map(AuditTopic::code).join(", ")
                    ),
                )
            }),
        }
    }

    pub fn label(self, lang: crate::format::Lang) -> &'static str {
        use crate::format::Lang;
        match (self, lang) {
            (AuditTopic::SignIns, Lang::Fr) => "Connexions et mots de passe",
            (AuditTopic::SignIns, Lang::En) => "Sign-ins and passwords",
            (AuditTopic::Access, Lang::Fr) => "Accès et rôles",
            (AuditTopic::Access, Lang::En) => "Access and roles",
            (AuditTopic::Registers, Lang::Fr) => "Caisses et iPad",
            (AuditTopic::Registers, Lang::En) => "Registers and iPads",
            (AuditTopic::Shop, Lang::Fr) => "Boutique",
            (AuditTopic::Shop, Lang::En) => "Shop",
        }
    }

    /// The events filed under it, as their codes.
    pub fn event_codes(self) -> Vec<&'static str> {
        AuditEvent::ALL
            .into_iter()
            .filter(|e| e.topic() == self)
            .map(AuditEvent::code)
            .collect()
    }
}

/// Entries in a page of the journal: the app offers an older page when one was full.
pub const AUDIT_PAGE: u32 = 100;

/// The query of a journal page, for the audit routes and the page's own URL alike:
/// `topic=registers&before=812`, empty for the newest entries of every topic.
pub fn audit_query(topic: Option<AuditTopic>, before: Option<i64>) -> String {
    let topic = topic.map(|t| format!("topic={}", t.code()));
    let before = before.map(|b| format!("before={b}"));
    [topic, before]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub event: AuditEvent,
    pub store_id: Option<i64>,
    /// Who acted, when known (a failed sign-in has no actor).
    pub actor_email: Option<String>,
    /// Whom it concerned: the person signing in, invited, revoked.
    pub subject_email: Option<String>,
    /// The role granted, revoked or given.
    pub role: Option<Role>,
    /// The role before a change.
    pub previous_role: Option<Role>,
    /// Technical context, in English (counts, reasons).
    pub detail: String,
    /// Who acted and whom it concerned, by the names their accounts bear now.
    #[serde(default)]
    pub actor_name: Option<String>,
    #[serde(default)]
    pub subject_name: Option<String>,
    /// The register it concerned, when it concerned one: its number and name.
    #[serde(default)]
    pub register_number: Option<u32>,
    #[serde(default)]
    pub register_label: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn every_event_is_filed_under_one_topic_of_the_journal() {
        let filed: usize = AuditTopic::ALL
            .into_iter()
            .map(|t| t.event_codes().len())
            .sum();
        assert_eq!(filed, AuditEvent::ALL.len());
        for topic in AuditTopic::ALL {
            assert_eq!(AuditTopic::parse(topic.code()), Some(topic));
            assert!(!topic.event_codes().is_empty(), "{topic:?}");
        }
        assert_eq!(AuditEvent::DevicePaired.topic(), AuditTopic::Registers);
        assert_eq!(AuditTopic::parse("caisses"), None);
        assert_eq!(AuditTopic::from_param(Some("")), Ok(None));
        assert_eq!(
            AuditTopic::from_param(Some("access")),
            Ok(Some(AuditTopic::Access))
        );
        assert!(AuditTopic::from_param(Some("caisses")).is_err());
        assert_eq!(audit_query(None, None), "");
        assert_eq!(
            audit_query(Some(AuditTopic::Registers), Some(812)),
            "topic=registers&before=812"
        );
        assert_eq!(audit_query(None, Some(7)), "before=7");
    }

    fn member(store_id: i64, role: Role) -> Membership {
        Membership {
            store_id,
            store_name: format!("store {store_id}"),
            role,
            time_zone: chrono_tz::Europe::Paris,
            fiscal_year_end_month: 12,
        }
    }

    #[test]
    fn owners_do_everything_in_their_store_but_support_s_work_and_nothing_elsewhere() {
        let memberships = [member(1, Role::Owner)];
        let owner = Principal {
            support: false,
            memberships: &memberships,
        };
        for capability in Capability::ALL {
            assert_eq!(
                owner.can(1, capability),
                !matches!(
                    capability,
                    Capability::EnrolRegisters | Capability::InviteFirstOwner
                ),
                "{capability:?}"
            );
            assert!(!owner.can(2, capability), "{capability:?}");
        }
    }

    #[test]
    fn accountants_read_sales_and_z_files_only() {
        let memberships = [member(1, Role::Accountant)];
        let accountant = Principal {
            support: false,
            memberships: &memberships,
        };
        let allowed: Vec<Capability> = Capability::ALL
            .into_iter()
            .filter(|c| accountant.can(1, *c))
            .collect();
        assert_eq!(
            allowed,
            vec![Capability::ViewSales, Capability::ViewClosures]
        );
        assert!(!accountant.can(2, Capability::ViewSales));
    }

    #[test]
    fn support_reaches_every_store_but_does_not_grant_access() {
        let support = Principal {
            support: true,
            memberships: &[],
        };
        for store in [1, 2, 999] {
            assert!(support.can(store, Capability::EnrolRegisters));
            assert!(support.can(store, Capability::ViewAudit));
            assert!(support.can(store, Capability::EditShop));
            assert!(support.can(store, Capability::InviteFirstOwner));
            assert!(!support.can(store, Capability::ManageAccess));
        }
    }

    #[test]
    fn nobody_without_membership_can_anything() {
        let nobody = Principal {
            support: false,
            memberships: &[],
        };
        assert!(Capability::ALL.into_iter().all(|c| !nobody.can(1, c)));
    }

    #[test]
    fn attempts_are_admitted_until_the_free_ones_are_used_then_locked() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let mut stored = None;
        for n in 1..=FREE_FAILURES {
            let count = admit_attempt(stored, FREE_FAILURES, at).unwrap();
            assert_eq!(count, n);
            stored = Some((count, at));
        }
        assert_eq!(
            admit_attempt(stored, FREE_FAILURES, at),
            Err(at + Duration::seconds(30))
        );
        assert_eq!(
            admit_attempt(stored, FREE_FAILURES, at + Duration::seconds(30)),
            Ok(FREE_FAILURES + 1)
        );
    }

    #[test]
    fn spaced_out_failures_decay_instead_of_climbing_for_ever() {
        let mut at = Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap();
        let mut stored = Some((FREE_FAILURES, at));
        for _ in 0..100 {
            at += Duration::minutes(16);
            let count = admit_attempt(stored, FREE_FAILURES, at).unwrap();
            assert!(count <= FREE_FAILURES, "{count}");
            stored = Some((count, at));
        }
        assert_eq!(decayed_failures(5, 5, at, at + Duration::minutes(12)), 4);
        assert_eq!(decayed_failures(50, 5, at, at + Duration::minutes(61)), 0);
        assert_eq!(decayed_failures(3, 5, at, at - Duration::minutes(5)), 3);
    }

    #[test]
    fn an_unnamed_account_is_named_after_its_address() {
        assert_eq!(name_from_email("marie.dupont@cabinet.fr"), "marie.dupont");
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            normalize_email("email", "  Marie.Dupont@Cabinet-Martin.FR ").unwrap(),
            "marie.dupont@cabinet-martin.fr"
        );
        assert_eq!(
            normalize_email("email", "a+tag@x.co").unwrap(),
            "a+tag@x.co"
        );
        for bad in [
            "",
            "  ",
            "marie",
            "@x.fr",
            "marie@",
            "marie@localhost",
            "marie@@x.fr",
            "ma rie@x.fr",
            "marie@x..fr",
            "marie@-x.fr",
            "marie@x.fr;drop",
            "<marie@x.fr>",
        ] {
            let error = normalize_email("email", bad).unwrap_err();
            assert_eq!(error.parameter, "email", "{bad}");
        }
        let long = format!("{}@x.fr", "a".repeat(300));
        assert!(normalize_email("email", &long)
            .unwrap_err()
            .message
            .contains("254"));
    }

    #[test]
    fn passwords_need_length_and_have_a_bound() {
        assert!(check_new_password("password", "court").is_err());
        assert!(check_new_password("password", "douze carac.").is_ok());
        assert!(check_new_password("password", &"x".repeat(128)).is_ok());
        let error = check_new_password("password", &"x".repeat(129)).unwrap_err();
        assert!(error.message.contains("128"));
        // Characters, not bytes: an accented passphrase is not cut short.
        assert!(check_new_password("password", &"é".repeat(100)).is_ok());
        assert!(check_password_length("password", "").is_err());
    }

    #[test]
    fn lockouts_start_after_the_free_failures_and_double_to_a_cap() {
        assert_eq!(lockout_after(0), None);
        assert_eq!(lockout_after(FREE_FAILURES - 1), None);
        assert_eq!(lockout_after(FREE_FAILURES), Some(Duration::seconds(30)));
        assert_eq!(
            lockout_after(FREE_FAILURES + 1),
            Some(Duration::seconds(60))
        );
        assert_eq!(
            lockout_after(FREE_FAILURES + 4),
            Some(Duration::seconds(480))
        );
        assert_eq!(
            lockout_after(FREE_FAILURES + 5),
            Some(Duration::minutes(15))
        );
        assert_eq!(lockout_after(u32::MAX), Some(Duration::minutes(15)));
    }

    #[test]
    fn a_lock_ends_and_old_failures_are_forgotten() {
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
        assert_eq!(locked_until(3, at, at), None);
        assert_eq!(
            locked_until(FREE_FAILURES, at, at + Duration::seconds(10)),
            Some(at + Duration::seconds(30))
        );
        assert_eq!(
            locked_until(FREE_FAILURES, at, at + Duration::seconds(30)),
            None
        );
        assert_eq!(
            locked_until(100, at, at + Duration::minutes(FAILURE_WINDOW_MINUTES + 1)),
            None
        );
    }

    #[test]
    fn invitation_states() {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 10, 0, 0).unwrap();
        let later = now + Duration::days(1);
        assert_eq!(
            InvitationState::of(None, None, later, now),
            InvitationState::Pending
        );
        assert_eq!(
            InvitationState::of(None, None, now, now),
            InvitationState::Expired
        );
        assert_eq!(
            InvitationState::of(Some(now), None, now, now),
            InvitationState::Accepted
        );
        assert_eq!(
            InvitationState::of(None, Some(now), later, now),
            InvitationState::Cancelled
        );
    }

    #[test]
    fn audit_event_codes_round_trip() {
        for event in AuditEvent::ALL {
            assert_eq!(AuditEvent::parse(event.code()), Some(event));
            assert_eq!(
                serde_json_code(event),
                format!("\"{}\"", event.code()),
                "serde and code() agree"
            );
        }
    }

    fn serde_json_code(event: AuditEvent) -> String {
        serde_json::to_string(&event).unwrap()
    }
}
