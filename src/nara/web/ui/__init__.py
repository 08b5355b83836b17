"""Server-rendered pages (Jinja2). Thin: parse the form, call one domain function, render."""
