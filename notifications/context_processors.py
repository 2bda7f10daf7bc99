def unread_count(request) -> dict:
    """Placeholder until the notifications app fills it in: the bell's unread count."""
    return {}
