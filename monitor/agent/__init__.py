"""An edge collector's own side (`ictmon collector` on a school's machine): enrolment, the
configuration it pulls, its local queue, polling with the office's collectors and uploading."""
