"""A sendmail-compatible client for desk's tests: reads one message on standard input
and relays it by SMTP to 127.0.0.1:$DESK_TEST_SMTP_PORT.

Understands the options desk's default command uses: -t (recipients from the To, Cc
and Bcc headers; Bcc is removed before sending), -i (a lone "." line is not the end),
-f SENDER; other arguments are recipients.
"""
import email
import email.policy
import email.utils
import os
import smtplib
import sys


def main(argv):
    from_headers = False
    sender = None
    recipients = []
    args = iter(argv)
    for a in args:
        if a == "-t":
            from_headers = True
        elif a in ("-i", "-oi"):
            pass
        elif a == "-f":
            sender = next(args)
        elif a.startswith("-f"):
            sender = a[2:]
        elif a.startswith("-"):
            print(f"sendmail.py: unknown option {a}", file=sys.stderr)
            return 64
        else:
            recipients.append(a)
    raw = sys.stdin.buffer.read()
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if from_headers:
        for h in ("To", "Cc", "Bcc"):
            recipients += [addr for _, addr in email.utils.getaddresses(msg.get_all(h, []))]
        if msg.get("Bcc") is not None:
            del msg["Bcc"]
            raw = msg.as_bytes()
    if not recipients:
        print("sendmail.py: no recipients", file=sys.stderr)
        return 64
    if sender is None:
        sender = email.utils.parseaddr(msg.get("From", ""))[1]
    with smtplib.SMTP("127.0.0.1", int(os.environ["DESK_TEST_SMTP_PORT"])) as s:
        s.sendmail(sender, recipients, raw)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
