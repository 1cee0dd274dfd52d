"""Data layer: encrypted storage, accounts, consent, audit, retention.

Start-up (server/CLI edge):
    keyring = models.keyring.load_keyring(path=settings.keyring_file,
                                          env_value=os.environ.get(settings.security.keyring_env))
    # Migrates, then checks the keyring against the stored canaries:
    database = models.db.open_database(settings.database_url, keyring=keyring)
    with database.transaction() as db:   # commit on success, rollback on error
        password = models.accounts.ensure_bootstrap_admin(db)  # print once if not None

Repositories are keyword-only functions taking a Session first; they flush but never commit.
    models.accounts   create_user, login -> LoginResult (commit even on failure), set_password,
                      change_password, enable_totp, ensure_bootstrap_admin, list_users
    models.kiosks     enroll_kiosk -> (Kiosk, token), authenticate_kiosk, list_kiosks
    models.sessions   create_session -> (ReflectionSession, code), redeem_code, list_sessions,
                      view_session, get_session_text (audited), break_glass_read, end_session
    models.content    record_consent, add_turn, save_summary, raise_alert, list_alerts,
                      acknowledge_alert, save_feedback
    models.outbox     append_event -> seq, events_after, last_seq
    models.retention  erase_session, purge_expired
    models.audit      record, verify_chain, entries
    models.keys       verify_keyring, rotate_keyring_file, run_rotation
Errors derive from models.errors.DataError and carry a `code`.
"""
