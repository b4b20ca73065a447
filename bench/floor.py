"""The floor: a bare Flask app answering the WhatsApp webhook with a fixed TwiML
reply. No bot can be faster under the same server settings."""

from flask import Flask, Response

app = Flask(__name__)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>ok</Message></Response>'


@app.post("/webhooks/whatsapp")
def whatsapp() -> Response:
    return Response(TWIML, mimetype="text/xml")
