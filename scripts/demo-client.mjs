#!/usr/bin/env node
/**
 * `npm run demo:client [-- URL]`: two users walk through the /chat protocol
 * with the typed client (`nest-chat-gateway/client`) against a running demo
 * (`npm start`; default http://localhost:3000, or DEMO_URL). Each step is
 * printed with what each user's handlers received.
 */
const base = (process.argv[2] ?? process.env.DEMO_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const PASSWORD = 'correct horse battery';
const WAIT_MS = 5000;

let ChatClient;
try {
  ({ ChatClient } = await import('nest-chat-gateway/client'));
} catch (error) {
  console.error(
    `The client is not built (${error.code ?? error.message}): run npm run build:lib (npm start builds it).`,
  );
  process.exit(1);
}

let stepNo = 0;
const step = (text) => console.log(`\n${++stepNo}. ${text}`);
const show = (who, text) => console.log(`   ${who.padEnd(5)} ${text}`);
const short = (id) => id.slice(0, 8);

async function post(path, body) {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A demo user: registered once, then a token provider that logs in at every (re)connect. */
async function signUp(name) {
  const email = `${name.toLowerCase()}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@demo.example`;
  const { user } = await post('/auth/register', { email, password: PASSWORD, name });
  let logins = 0;
  const token = async () => {
    logins += 1;
    show(name, `token provider: POST /auth/login (login #${logins})`);
    return (await post('/auth/login', { email, password: PASSWORD })).accessToken;
  };
  return { name, user, token };
}

/** Resolves with the next `event` on `client` that matches, or fails after WAIT_MS. */
function next(client, event, match = () => true) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`no ${event} within ${WAIT_MS} ms`))), WAIT_MS);
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Prints every event a user's handlers receive. */
function narrate(who, client) {
  const room = (e) => `#${e.eventSeq ?? '-'}`;
  client.on('chatRoomCreated', (r) =>
    show(who, `← chatRoomCreated ${r.type} room ${short(r.id)} (lastEventSeq ${r.lastEventSeq})`),
  );
  client.on('newMessage', (m) => show(who, `← newMessage ${room(m)} seq ${m.seq}: "${m.content}"`));
  client.on('messageUpdated', (m) => show(who, `← messageUpdated ${room(m)}: "${m.content}"`));
  client.on('messageDeleted', (e) => show(who, `← messageDeleted ${room(e)} ${short(e.messageId)}`));
  client.on('reactionAdded', (e) => show(who, `← reactionAdded ${room(e)} ${e.emoji}`));
  client.on('userTyping', (e) => show(who, `← userTyping ${e.isTyping ? 'started' : 'stopped'}`));
  client.on('disconnected', (e) => show(who, `× disconnected (${e.reason})`));
  client.on('connected', (e) => show(who, `✓ connected${e.reconnect ? ' again, caught up' : ''}`));
  client.on('resync', (e) => show(who, `← resync ${short(e.chatRoomId)}: reload its messages`));
  client.on('error', (e) => show(who, `! ${e.code ?? ''} ${e.message}`));
}

async function main() {
  step(`Two users sign up on ${base}`);
  const [ada, grace] = await Promise.all([signUp('Ada'), signUp('Grace')]);
  show('Ada', `id ${ada.user.id}`);
  show('Grace', `id ${grace.user.id}`);

  step('Both connect with the typed client (a token provider: called on every connect)');
  const a = new ChatClient({ url: base, token: ada.token });
  const g = new ChatClient({ url: base, token: grace.token });
  narrate('Ada', a);
  narrate('Grace', g);
  // Grace's messages as her handlers tell them: compared with the server's at the end.
  const graceSees = new Map();
  g.on('newMessage', (m) => graceSees.set(m.id, m.content));
  g.on('messageUpdated', (m) => graceSees.set(m.id, m.content));
  g.on('messageDeleted', (e) => graceSees.set(e.messageId, ''));
  await Promise.all([a.connect(), g.connect()]);

  try {
    step('Ada opens a DIRECT room with Grace: createChatRoom');
    const graceHears = next(g, 'chatRoomCreated');
    const room = await a.createChatRoom({ type: 'DIRECT', participantIds: [grace.user.id] });
    show('Ada', `→ createChatRoom: room ${short(room.id)}, ${room.participants.length} participants`);
    await graceHears;
    await g.getChatRooms(); // Grace's room list: the client's cursors start from it

    step('Ada sends a message: sendMessage resolves with the stored message');
    let arrived = next(g, 'newMessage');
    const hello = await a.sendMessage({ chatRoomId: room.id, content: 'Hello Grace!' });
    show('Ada', `→ sendMessage acked: seq ${hello.seq}, clientMessageId ${short(hello.clientMessageId)}`);
    await arrived;

    step('Grace types (throttled: one typing event), then answers (which ends her typing)');
    const adaSeesTyping = next(a, 'userTyping', (e) => e.isTyping);
    for (let i = 0; i < 5; i++) g.typing(room.id);
    await adaSeesTyping;
    const adaSeesStop = next(a, 'userTyping', (e) => !e.isTyping);
    arrived = next(a, 'newMessage');
    const reply = await g.sendMessage({ chatRoomId: room.id, content: 'Hi Ada, how are you?' });
    await Promise.all([arrived, adaSeesStop]);

    step('Ada reacts to Grace’s message');
    const reacted = next(g, 'reactionAdded');
    await a.addReaction({ messageId: reply.id, emoji: '👍' });
    await reacted;

    step('Ada edits, then deletes her first message');
    const edited = next(g, 'messageUpdated');
    await a.editMessage({ messageId: hello.id, content: 'Hello Grace! (edited)' });
    await edited;
    const deleted = next(g, 'messageDeleted');
    await a.deleteMessage({ messageId: hello.id });
    await deleted;

    step('Grace loses her connection; Ada writes meanwhile, and Grace writes while offline');
    const dropped = next(g, 'disconnected');
    g.socket.io.reconnection(false); // held offline for the demo; a real drop reconnects by itself
    g.socket.io.engine.close();
    await dropped;
    await a.sendMessage({ chatRoomId: room.id, content: 'Are you still there?' });
    const last = await a.sendMessage({ chatRoomId: room.id, content: 'Ping!' });
    await a.addReaction({ messageId: last.id, emoji: '🎉' });
    show('Ada', '→ 2 messages and a reaction sent while Grace is away');
    const queued = g.sendMessage({ chatRoomId: room.id, content: 'Sorry, I was offline' });
    show('Grace', `→ sendMessage while offline: kept in the outbox (${g.pendingSends} waiting)`);

    step('Grace reconnects: a new token, `sync` replays what she missed, the outbox is sent');
    const back = next(g, 'connected', (e) => e.reconnect);
    g.socket.io.reconnection(true);
    g.socket.connect();
    await back;
    const stored = await queued;
    show('Grace', `→ the offline message was acked: seq ${stored.seq} (sent once, same clientMessageId)`);

    step('Grace’s history from the server agrees with what her handlers received');
    const page = await g.getMessages({ chatRoomId: room.id });
    for (const m of page.messages) {
      const state = m.deletedAt ? '(deleted)' : `"${m.content}"`;
      const reactions = m.reactions.map((r) => `${r.emoji}${r.count}`).join(' ');
      show('', `seq ${m.seq} ${m.senderId === ada.user.id ? 'Ada  ' : 'Grace'} ${state} ${reactions}`.trimEnd());
      if (graceSees.get(m.id) !== m.content) throw new Error(`Grace's handlers disagree on seq ${m.seq}`);
    }
    if (graceSees.size !== page.messages.length) throw new Error(`Grace's handlers saw ${graceSees.size} messages`);
    show('Grace', `✓ her handlers saw the same ${page.messages.length} messages, each once`);
  } finally {
    a.close();
    g.close();
  }
  console.log('\nDone: every step of the protocol went through the typed client.');
}

main().catch((error) => {
  console.error(`\nFailed: ${error.message}`);
  if (error.cause?.code === 'ECONNREFUSED') console.error(`Is the demo running at ${base}? Start it with npm start.`);
  process.exit(1);
});
