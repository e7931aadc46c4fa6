//! Booked appointments in the app (Tauri glue over `counsellor::bookings`):
//! booking, the list, an invite for each booking (copy, e-mail, calendar
//! file), cancelling, and the purge at start and daily. Starting a booked
//! session is `counsellor_app::start_session` with the booking's id.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

use crate::counsellor::bookings::{self, Booking, Bookings, CredentialStore, MeetingRef};
use crate::counsellor::invitation::{self, Appointment, Invitation, Letterhead};
use crate::counsellor::start;
use crate::counsellor::{secrets, Access, Account, CounsellorError};
use crate::counsellor_app::{self, CounsellorState};
use crate::error::Result;
use crate::i18n;
use crate::profile::OrgProfile;
use crate::runtime::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookRequest {
    pub client_name: String,
    /// RFC 3339, in the counsellor's own offset.
    pub at: String,
    #[serde(default)]
    pub minutes: Option<u16>,
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// One booking, as the list shows it. No invite: that is made on demand.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingView {
    pub id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub minutes: u16,
    pub pseudonym: String,
    pub provider: &'static str,
}

impl BookingView {
    fn of(b: &Booking) -> BookingView {
        let provider = match b.meeting {
            MeetingRef::Bbb { .. } => "bbb",
            MeetingRef::Jitsi { .. } => "jitsi",
        };
        BookingView { id: b.id.clone(), at: b.at, minutes: b.minutes, pseudonym: b.pseudonym.clone(), provider }
    }
}

/// The bookings beside the counsellor's account file.
fn with_store<T>(app: &AppHandle<impl Runtime>, f: impl FnOnce(&Bookings) -> Result<T>) -> Result<T> {
    let c = app.state::<CounsellorState>();
    let dir = c.dir().ok_or(CounsellorError::NotSetUp)?;
    f(&Bookings::in_dir(&dir, &CredentialStore))
}

/// Every read applies the deadline first: a booking past it is never shown
/// or used, whether or not the daily purge has run.
fn load<R: Runtime>(app: &AppHandle<R>) -> Result<Vec<Booking>> {
    let days = app.state::<AppState>().settings().booking_retention_days;
    with_store(app, |s| {
        s.purge(bookings::clock(), days)?;
        Ok(s.load()?)
    })
}

pub fn list<R: Runtime>(app: &AppHandle<R>) -> Result<Vec<BookingView>> {
    counsellor_app::enabled(app)?;
    let mut all = load(app)?;
    all.sort_by_key(|b| b.at);
    Ok(all.iter().map(BookingView::of).collect())
}

pub fn find<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<Booking> {
    load(app)?.into_iter().find(|b| b.id == id).ok_or_else(|| CounsellorError::NoBooking.into())
}

/// The checks every booking action shares: set up, the profile lists the
/// service, the counsellor consented to the current texts.
async fn checked_account<R: Runtime>(app: &AppHandle<R>) -> Result<(Account, OrgProfile)> {
    counsellor_app::enabled(app)?;
    let account = app.state::<CounsellorState>().account()?;
    let state = app.state::<AppState>();
    let p = crate::profile::fetch(&state.http, &account.profile, state.rules).await?;
    account.check_profile(&p)?;
    if !account.consent_valid(&p) {
        return Err(CounsellorError::ConsentRequired.into());
    }
    Ok((account, p))
}

/// A booking's client invite, through the organisation's invite page where
/// it has one.
fn invite_link(account: &Account, p: &OrgProfile, b: &Booking) -> Result<String> {
    let secret = if account.access.needs_secret() { Some(secrets::fetch(&secrets::entry(&account.access.secret_name())?)?) } else { None };
    let link = match &account.access {
        Access::Bbb { api } => {
            let secret = secret.as_deref().ok_or(CounsellorError::SecretMissing)?;
            start::booked_bbb_invite(account, api, secret, b, i18n::current().base())
        }
        Access::Jitsi { .. } => start::booked_jitsi_invite(account, secret.as_deref().map(|s| s.as_str()), b)?,
    };
    Ok(match p.invite_page.as_deref().and_then(|page| Url::parse(page).ok()) {
        Some(page) => crate::invite::on_page(&page, &link),
        None => link,
    })
}

/// Books an appointment; the invite is valid from now on.
pub async fn book<R: Runtime>(app: &AppHandle<R>, req: BookRequest) -> Result<BookingView> {
    let (account, p) = checked_account(app).await?;
    let at = OffsetDateTime::parse(req.at.trim(), &Rfc3339).map_err(|_| CounsellorError::Invalid("at"))?;
    if at < OffsetDateTime::now_utc() - time::Duration::minutes(5) {
        return Err(CounsellorError::Invalid("at").into());
    }
    let minutes = req.minutes.unwrap_or(invitation::DEFAULT_LENGTH);
    let appointment = Appointment { at, minutes, time_zone: req.time_zone.as_deref().and_then(Appointment::zone_name) };
    let booking = Booking::new(appointment, &req.client_name, &account.access)?;
    // The invite can be made before anything is stored (the secret is there).
    invite_link(&account, &p, &booking)?;
    let view = BookingView::of(&booking);
    with_store(app, |s| Ok(s.update(|list| list.push(booking))?))?;
    log::info!("appointment booked");
    Ok(view)
}

/// The invitation for one booking: the same link each time, the e-mail's
/// and the calendar file's texts.
pub async fn invitation<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<(Invitation, Booking)> {
    let b = find(app, id)?;
    let (account, p) = checked_account(app).await?;
    let link = invite_link(&account, &p, &b)?;
    Ok((Invitation { link, appointment: Some(b.appointment()), letterhead: Letterhead::of(&p) }, b))
}

/// Cancels a booking: deleted at once. BigBlueButton: a meeting created
/// under its ID is ended (it normally never was); Jitsi: its tokens expire.
pub async fn cancel<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<()> {
    let b = find(app, id)?;
    if app.state::<AppState>().engine().running().is_some_and(|r| r.booking.as_deref() == Some(id)) {
        return Err(CounsellorError::Busy.into());
    }
    forget(app, id)?;
    if let MeetingRef::Bbb { meeting_id } = &b.meeting {
        let account = app.state::<CounsellorState>().account()?;
        if let Access::Bbb { api } = &account.access {
            let secret = secrets::fetch(&secrets::entry(&account.access.secret_name())?)?;
            let http = app.state::<AppState>().http.clone();
            if let Err(e) = start::end_bbb(&http, api, &secret, meeting_id).await {
                // Deleted either way; the meeting, if any, ends without moderator.
                log::warn!("cancelled booking: ending its meeting failed: {}", e.code());
            }
        }
    }
    log::info!("booking cancelled and deleted");
    Ok(())
}

/// A booking's invite on the clipboard, kept out of clipboard history.
pub async fn copy_invite<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<()> {
    let (inv, _) = invitation(app, id).await?;
    crate::clipboard::copy_private(&inv.link).map_err(|_| CounsellorError::Clipboard)?;
    Ok(())
}

/// The runtime's hook (`runtime::BookingOver`): a booked session that ran
/// is over, and its booking goes.
pub fn on_session_over(app: &AppHandle<tauri::Wry>, id: &str) {
    if let Err(e) = forget(app, id) {
        log::warn!("the ended session's booking could not be deleted: {}", e.code());
    }
}

/// Deletes a booking (cancelled, or its session is over).
pub fn forget<R: Runtime>(app: &AppHandle<R>, id: &str) -> Result<()> {
    with_store(app, |s| Ok(s.update(|list| list.retain(|b| b.id != id))?))
}

/// At start, then daily: bookings past their deadline go. Nothing stored,
/// nothing asked of the credential store.
pub fn spawn_purge<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let days = app.state::<AppState>().settings().booking_retention_days;
            let purged = bookings::purge_for_user(days);
            match purged {
                Ok(0) => {}
                Ok(n) => log::info!("{n} booking(s) past their deadline deleted"),
                Err(e) => log::warn!("bookings purge: {}", e.code()),
            }
            tokio::time::sleep(std::time::Duration::from_secs(24 * 60 * 60)).await;
        }
    });
}
