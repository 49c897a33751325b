"""Where stored credentials may go: holds on redirected devices, the admins' key directory."""
