"""Alert channels besides mail (LINE, Telegram, Teams, Discord, Slack, webhooks) through Apprise."""
