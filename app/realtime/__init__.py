"""Live events for the dashboard: the per-shop stream (events), the hub and its feeds, the
/ws route (websocket) and one socket's protocol (connection, protocol, mailbox)."""
