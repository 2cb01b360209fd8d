"""A labelled set for memory quality: what a product squad writes in a few weeks (tasks,
thread messages, documents, agents' notes) and 40+ questions someone would ask later, each with
the items that answer it. Queries are paraphrases: they rarely share the answer's wording."""

from __future__ import annotations

TASKS: dict[str, tuple[str, str]] = {
    "t_csv": ("Stream the invoice CSV export", "Exports over 50k rows time out after 30 seconds. Stream rows to the "
              "response instead of building the whole file in memory."),
    "t_sso": ("Add Google single sign-on", "Enterprise customers want to log in with their Google Workspace "
              "accounts instead of passwords."),
    "t_dark": ("Dark mode for the dashboard", "Users asked for a dark colour theme; respect the operating "
               "system preference by default."),
    "t_rate": ("Rate-limit the public API", "One customer's script hammered the API with 2,000 requests a "
               "minute and slowed everyone down. Limit requests per key."),
    "t_pg": ("Upgrade PostgreSQL from 13 to 16", "Version 13 reaches end of life soon. Plan the upgrade with "
             "minimal downtime using logical replication."),
    "t_onboard": ("Write the onboarding email sequence", "Five emails over the first two weeks that walk new "
                  "users through creating their first project."),
    "t_churn": ("Analyse why customers cancel", "Pull cancellation reasons from the last two quarters and find "
                "the top three causes of churn."),
    "t_i18n": ("Translate the app into German and French", "Extract all interface strings and get them "
               "translated; dates and currencies must follow the locale."),
    "t_flaky": ("Fix the flaky checkout end-to-end test", "The payment test fails about one run in ten on CI "
                "because it does not wait for the card form iframe."),
    "t_pricing": ("Redesign the pricing page", "Make the difference between the Team and Enterprise plans "
                  "clearer and add a monthly/annual toggle."),
    "t_backup": ("Verify nightly database backups can be restored", "Nobody has tested a restore in months. "
                 "Restore last night's backup into a scratch server and time it."),
    "t_mobile": ("Push notifications for the mobile app", "Notify users on iOS and Android when a teammate "
                 "mentions them."),
    "t_a11y": ("Accessibility audit of the signup flow", "Check keyboard navigation, screen reader labels and "
               "colour contrast against WCAG 2.1 AA."),
    "t_search": ("Search inside uploaded PDFs", "Customers want to find text inside the PDF attachments they "
                 "upload, not just by file name."),
}

MESSAGES: dict[str, tuple[str, str]] = {
    "m_csv_done": ("t_csv", "Streaming is in: a 200k-row export now starts downloading within a second and "
                   "memory stays flat."),
    "m_sso_domain": ("t_sso", "Only allow sign-ins from the customer's verified domain, otherwise anyone with a "
                     "gmail account could get in."),
    "m_rate_num": ("t_rate", "Let's start at 600 requests per minute per key and return 429 with a Retry-After "
                   "header when they exceed it."),
    "m_pg_window": ("t_pg", "The maintenance window is Sunday 02:00–04:00 UTC; the cutover itself should take "
                    "under five minutes."),
    "m_churn_top": ("t_churn", "Top reason by far: customers say the product is too expensive for small teams. "
                    "Second is missing integrations with Slack."),
    "m_flaky_fix": ("t_flaky", "Root cause: we clicked Pay before the Stripe iframe finished loading. Waiting "
                    "for the frame's ready event fixed it, 200 green runs in a row."),
    "m_backup_time": ("t_backup", "Restore of the 80 GB backup took 47 minutes on the scratch server; the "
                      "checksum matched."),
    "m_i18n_plural": ("t_i18n", "German plural forms broke the item counter; switched to ICU message format."),
    "m_mobile_fcm": ("t_mobile", "Android goes through Firebase Cloud Messaging, iOS through APNs with a token "
                     "that expires yearly."),
    "m_a11y_contrast": ("t_a11y", "The grey placeholder text fails contrast: 2.8:1 where 4.5:1 is needed."),
    "m_pricing_ab": ("t_pricing", "The annual toggle lifted annual plan signups by 18% in the two-week A/B "
                     "test."),
    "m_dark_charts": ("t_dark", "Chart colours are unreadable on the dark background; we need a second "
                      "palette."),
}

DOCUMENTS: dict[str, tuple[str, str]] = {
    "d_runbook": ("Incident runbook", "When the site is down: page the on-call engineer, open an incident "
                  "channel, post a status page update within 15 minutes, and write a postmortem within two "
                  "days."),
    "d_style": ("Brand voice guide", "Write like a helpful colleague: short sentences, no jargon, no "
                "exclamation marks. Say 'you', not 'the user'."),
    "d_release": ("Release checklist", "Before shipping: run the migration on a copy of production, update "
                  "the changelog, tag the version, and announce it in the customers' newsletter."),
    "d_security": ("Security policy", "Secrets never go into the repository. Rotate API keys every 90 days "
                   "and require two-factor authentication for every admin account."),
    "d_arch": ("Architecture overview", "The backend is a Python service backed by PostgreSQL; background "
               "jobs run on a Redis queue; the frontend is React served from a CDN."),
    "d_interview": ("Customer interview notes: Acme Corp", "Acme's finance team exports invoices every month "
                    "into their ERP. They would pay more for an automatic sync instead of CSV files."),
}

NOTES: dict[str, tuple[str, str]] = {
    "n_deploy_freeze": ("Friday", "No production deploys after 3pm on Fridays; the on-call team is thin at "
                        "weekends."),
    "n_design_owner": ("Vision", "Maya from design approves every change to colours and typography."),
    "n_staging_reset": ("Jarvis", "The staging database is wiped and reseeded every night at 2am UTC."),
    "n_vpn": ("Jarvis", "The office VPN disconnects every eight hours; reconnect before long-running "
              "migrations."),
    "n_legal": ("Friday", "Legal must review any change to the terms of service or the privacy policy before "
                "it goes live."),
    "n_support_hours": ("Vision", "Customer support answers from 8am to 6pm Central European Time on weekdays."),
}

# (query, keys of the items that answer it)
QUERIES: list[tuple[str, list[str]]] = [
    ("large downloads of invoices were timing out", ["t_csv", "m_csv_done"]),
    ("how fast is the big export now?", ["m_csv_done"]),
    ("log in with company Google accounts", ["t_sso"]),
    ("stop random gmail users from signing in", ["m_sso_domain"]),
    ("night theme for the UI", ["t_dark"]),
    ("graphs are hard to read on a black background", ["m_dark_charts"]),
    ("someone's script is flooding our endpoints with requests", ["t_rate"]),
    ("what limit per API key did we agree on?", ["m_rate_num"]),
    ("database major version upgrade plan", ["t_pg"]),
    ("when is the maintenance window for the database cutover?", ["m_pg_window"]),
    ("welcome emails for new signups", ["t_onboard"]),
    ("why do people stop paying for the product?", ["t_churn", "m_churn_top"]),
    ("main reason customers leave", ["m_churn_top"]),
    ("localise the interface for Germany and France", ["t_i18n"]),
    ("plural words broke the counter in German", ["m_i18n_plural"]),
    ("payment test randomly fails on CI", ["t_flaky", "m_flaky_fix"]),
    ("what was the cause of the intermittent checkout failure?", ["m_flaky_fix"]),
    ("make plan differences clearer on the prices page", ["t_pricing"]),
    ("did yearly billing toggle improve conversions?", ["m_pricing_ab"]),
    ("can we actually recover from our backups?", ["t_backup"]),
    ("how long does restoring a backup take?", ["m_backup_time"]),
    ("phone alerts when a colleague mentions me", ["t_mobile"]),
    ("how do Android and iPhone notifications get delivered?", ["m_mobile_fcm"]),
    ("screen reader and keyboard checks on registration", ["t_a11y"]),
    ("placeholder text is too light to read", ["m_a11y_contrast"]),
    ("find words inside attached PDF files", ["t_search"]),
    ("what do we do when production goes down?", ["d_runbook"]),
    ("how soon must we update the status page during an outage?", ["d_runbook"]),
    ("tone of voice for customer-facing copy", ["d_style"]),
    ("steps before we ship a new version", ["d_release"]),
    ("how often should API keys be rotated?", ["d_security"]),
    ("is two-factor required for admins?", ["d_security"]),
    ("what does our tech stack look like?", ["d_arch"]),
    ("where do background jobs run?", ["d_arch"]),
    ("what did Acme say about invoice exports?", ["d_interview"]),
    ("would a customer pay for automatic ERP sync?", ["d_interview"]),
    ("can I release to production on Friday afternoon?", ["n_deploy_freeze"]),
    ("who signs off on colour and font changes?", ["n_design_owner"]),
    ("why did my staging data disappear overnight?", ["n_staging_reset"]),
    ("my connection dropped during a long migration", ["n_vpn"]),
    ("does legal need to see privacy policy edits?", ["n_legal"]),
    ("when is customer support available?", ["n_support_hours"]),
    ("too expensive for small teams feedback", ["m_churn_top"]),
    ("translate dates and currencies per locale", ["t_i18n"]),
]
