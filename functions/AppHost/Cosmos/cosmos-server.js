#!/usr/bin/env node
// A local Cosmos DB server for the .NET SDK (Gateway mode, plain http on loopback): the in-memory
// @vercel/cosmosdb-server (wire protocol, point operations, ETags, patch, the query engine) plus what
// the SDK needs beyond it: 404 for missing items, the gateway query plan, partition-scoped queries,
// an incremental change feed per container and, with --data, a journal so a restart keeps the data.
//
// Usage: node cosmos-server.js [--port 8081] [--host 127.0.0.1] [--data <folder>] [--exit-with-stdin]
"use strict";

const fs = require("fs");
const http = require("http");
const path = require("path");
const { randomUUID } = require("crypto");

// The package's createHttpServer keeps its account object in a closure, and the journal replay needs
// it before the first request, so the server is assembled here from the package's own parts.
const lib = path.dirname(require.resolve("@vercel/cosmosdb-server"));
const load = name => require(path.join(lib, name)).default;
const Account = load("account");
const Items = load("account/items");
const Databases = load("account/databases");
const Collections = load("account/collections");
const Documents = load("account/documents");
const routes = load("routes");

// Resource ids are base64 with '/' written as '-', as Cosmos DB writes them. The package writes '/',
// so once a counter reaches such a value (the 64th database, say) the rid-addressed paths the SDK
// builds (…/colls/<rid>/pkranges) no longer route and every request on that container fails.
const ResourceId = load("account/resource-id");
ResourceId.toBase64String = buffer => buffer.toString("base64").replace(/\//g, "-");
ResourceId.fromBase64String = s => Buffer.from(s.replace(/-/g, "/"), "base64");
const { SyntaxError: QuerySyntaxError } = require(require.resolve("@zeit/cosmosdb-query", { paths: [lib] }));

const args = { port: 8081, host: "127.0.0.1", data: null, exitWithStdin: false };
for (let i = 2; i < process.argv.length; i += 1) {
  const key = process.argv[i];
  if (key === "--port") args.port = parseInt(process.argv[++i], 10);
  else if (key === "--host") args.host = process.argv[++i];
  else if (key === "--data") args.data = process.argv[++i];
  else if (key === "--exit-with-stdin") args.exitWithStdin = true;
  else {
    console.error(`unknown argument ${key}`);
    process.exit(2);
  }
}

// ---- Journal: one JSON line per mutation, replayed at start ----

let journal = null; // file descriptor while writing
let replaying = false;
const write = entry => {
  if (journal !== null && !replaying) fs.writeSync(journal, `${JSON.stringify(entry)}\n`);
};

// ---- Store hooks: every change to a database, container or document goes through _set/delete ----

const pkKey = value => (value === undefined ? "\u0000none" : JSON.stringify(value));
const feedOf = docs => {
  if (!docs._feed) {
    // lsn: the container's last sequence number; log: documents in the order they were written
    // (a replaced or deleted document's old entry stays until compaction and is skipped);
    // partitions: partition key -> (rid -> document), so partition-scoped queries scan one partition.
    docs._feed = { lsn: 0, log: [], partitions: new Map() };
  }
  return docs._feed;
};
const isCurrent = (docs, doc) => {
  const item = docs._data.get(doc._rid);
  return item !== undefined && item.read() === doc;
};
const names = docs => ({ db: docs._db, coll: docs._parent.read().id });

const setItem = Items.prototype._set;
const deleteItem = Items.prototype.delete;
const replaceItem = Items.prototype.replace;

Databases.prototype._set = function setDatabase(data) {
  const stored = setItem.call(this, data);
  write({ t: "db", data: stored, n: this._ridCount });
  return stored;
};
Databases.prototype.delete = function deleteDatabase(id, partition) {
  deleteItem.call(this, id, partition);
  write({ t: "deldb", id });
};

const setCollection = Collections.prototype._set;
const newCollection = Collections.prototype._newItem;
Collections.prototype._newItem = function newCollectionItem(data) {
  const item = newCollection.call(this, data);
  item.documents._db = (this._parent.read() || {}).id;
  return item;
};
Collections.prototype._set = function setCollectionTracked(data) {
  const stored = setCollection.call(this, data);
  write({ t: "coll", db: this._parent.read().id, data: stored, n: this._ridCount });
  return stored;
};
Collections.prototype.delete = function deleteCollection(id, partition) {
  deleteItem.call(this, id, partition);
  if (!this._replacing) write({ t: "delcoll", db: this._parent.read().id, id });
};
// The package replaces a container by deleting it and creating a new one, which would drop its
// documents: the new container object takes over the old one's.
const keepDocuments = (collections, before, stored) => {
  const after = collections._data.get(stored._rid);
  after.documents = before.documents;
  after.documents._parent = after;
  return stored;
};
Collections.prototype.replace = function replaceCollection(data, original) {
  const before = this._item("/id", original.id, original.id);
  this._replacing = true;
  try {
    return keepDocuments(this, before, replaceItem.call(this, data, original));
  } finally {
    this._replacing = false;
  }
};

Documents.prototype._set = function setDocument(data) {
  const feed = feedOf(this);
  // data is a fresh object built by the package's create/replace: stamping it is safe.
  if (replaying) feed.lsn = Math.max(feed.lsn, data._lsn || 0);
  else data._lsn = ++feed.lsn;
  const stored = setItem.call(this, data);
  const key = pkKey(this._getPartition(stored));
  if (!feed.partitions.has(key)) feed.partitions.set(key, new Map());
  feed.partitions.get(key).set(stored._rid, stored);
  feed.log.push(stored);
  if (feed.log.length > 1000 && feed.log.length > 2 * this._data.size) {
    feed.log = feed.log.filter(doc => isCurrent(this, doc));
  }
  write({ t: "doc", ...names(this), data: stored, n: this._ridCount });
  return stored;
};
Documents.prototype.delete = function deleteDocument(id, partition) {
  const doc = this._item("/id", id, partition).read();
  deleteItem.call(this, id, partition);
  // A replace deletes then sets the same rid in the same partition: the set overwrites the index entry.
  if (this._replacing || !doc) return;
  const key = pkKey(this._getPartition(doc));
  const docsInPartition = feedOf(this).partitions.get(key);
  if (docsInPartition) {
    docsInPartition.delete(doc._rid);
    if (docsInPartition.size === 0) feedOf(this).partitions.delete(key);
  }
  write({ t: "deldoc", ...names(this), id, pk: partition === undefined ? null : partition });
};
Documents.prototype.replace = function replaceDocument(data, original) {
  this._replacing = true;
  try {
    return replaceItem.call(this, data, original);
  } finally {
    this._replacing = false;
  }
};

// ---- The server ----

const account = new Account(args.host, args.port);

const notFound = res => {
  res.statusCode = 404;
  return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
};
const header = (req, name) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
const isTrue = (req, name) => (header(req, name) || "").toLowerCase() === "true";
const readJson = req =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", chunk => chunks.push(chunk));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString() || "{}"));
      } catch (err) {
        reject(err);
      }
    });
    req.on("error", reject);
  });
// The partition key header is a JSON array of one value; [{}] is PartitionKey.None (no value).
const partitionOf = req => {
  const value = header(req, "x-ms-documentdb-partitionkey");
  if (!value) return null;
  const parsed = JSON.parse(value);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  return { key: pkKey(first !== null && typeof first === "object" ? undefined : first), value: first };
};

// The package looks documents up by (partition key value or, without one, the id) and id.
const findDocument = (collection, req, docId) => {
  const partition = partitionOf(req);
  const pk = partition && partition.value !== null && typeof partition.value !== "object" ? partition.value : docId;
  return collection.document(docId, pk).read();
};

const readDocument = (collection, req, res, docId) => {
  const doc = findDocument(collection, req, docId);
  if (!doc) return notFound(res);
  // A conditional read of an unchanged document: 304 without a body, as Cosmos DB does.
  res.statusCode = header(req, "if-none-match") === doc._etag ? 304 : 200;
  if (res.statusCode === 304) res.setHeader("etag", doc._etag);
  return res.statusCode === 304 ? undefined : doc;
};

// The SDK without its native query engine (Linux) asks the gateway for a query plan first. An empty
// plan over the whole key range makes it send the query as is to the one partition key range and pass
// the results through; this server then runs ORDER BY, TOP, aggregates and the rest itself.
const queryPlan = () => ({
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: "None",
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: "",
    hasSelectValue: false,
    dCountInfo: null,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: "", max: "FF", isMinInclusive: true, isMaxInclusive: false }],
});

const queryDocuments = async (collection, req, res) => {
  const body = await readJson(req);
  if (isTrue(req, "x-ms-cosmos-is-query-plan-request")) return queryPlan();
  if (!body.query) {
    res.statusCode = 400;
    return { code: "BadRequest", message: "missing query" };
  }
  const docs = collection.documents;
  const partition = partitionOf(req);
  let data;
  if (partition) {
    const inPartition = feedOf(docs).partitions.get(partition.key);
    data = inPartition ? [...inPartition.values()] : [];
  } else {
    data = [...docs._data.values()].map(item => item.read());
  }
  const maxItemCount = parseInt(header(req, "x-ms-max-item-count") || "-1", 10);
  const continuationHeader = header(req, "x-ms-continuation");
  const container = collection.read();
  let result;
  try {
    result = docs._getQuery(body.query).exec(data, {
      parameters: body.parameters,
      udf: docs._userDefinedFunctions(),
      maxItemCount: maxItemCount > 0 ? maxItemCount : undefined,
      continuation: continuationHeader ? JSON.parse(continuationHeader) : undefined,
      compositeIndexes: (container.indexingPolicy || {}).compositeIndexes || [],
    });
  } catch (err) {
    res.statusCode = 400;
    return { code: "BadRequest", message: err instanceof QuerySyntaxError ? `Syntax error: ${err.message}` : err.message };
  }
  if (result.continuation) res.setHeader("x-ms-continuation", JSON.stringify(result.continuation));
  res.setHeader("x-ms-item-count", String(result.result.length));
  res.statusCode = 200;
  return { _rid: container._rid, Documents: result.result, _count: result.result.length };
};

// Latest-version change feed: each changed document once, at its current version, in _lsn order.
// The continuation (ETag / If-None-Match) is the last _lsn the caller has seen.
const changeFeed = (collection, req, res) => {
  const docs = collection.documents;
  const feed = feedOf(docs);
  const container = collection.read();
  const ifNoneMatch = (header(req, "if-none-match") || "").replace(/"/g, "");
  let after = 0;
  if (ifNoneMatch === "*") after = feed.lsn;
  else if (ifNoneMatch) after = parseInt(ifNoneMatch, 10) || 0;
  const since = header(req, "if-modified-since") ? Date.parse(header(req, "if-modified-since")) : NaN;
  const partition = partitionOf(req);
  const rangeId = header(req, "x-ms-documentdb-partitionkeyrangeid");
  if (rangeId && rangeId.split(",").pop() !== "0") return notFound(res);
  const requested = parseInt(header(req, "x-ms-max-item-count") || "-1", 10);
  const max = requested > 0 ? requested : 1000;

  // The log is in _lsn order: binary search for the first entry after the continuation.
  const { log } = feed;
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (log[mid]._lsn <= after) lo = mid + 1;
    else hi = mid;
  }
  const changes = [];
  let seen = Math.max(after, feed.lsn);
  for (let i = lo; i < log.length; i += 1) {
    const doc = log[i];
    if (!isCurrent(docs, doc)) continue;
    if (partition && pkKey(docs._getPartition(doc)) !== partition.key) continue;
    // _ts has whole seconds: a start time inside a second includes that whole second (at least once).
    if (!Number.isNaN(since) && doc._ts < Math.floor(since / 1000)) continue;
    if (changes.length === max) {
      seen = changes[changes.length - 1]._lsn;
      break;
    }
    changes.push(doc);
  }
  res.setHeader("etag", `"${seen}"`);
  res.setHeader("x-ms-item-count", String(changes.length));
  res.setHeader("lsn", String(feed.lsn));
  // The SDK's change feed estimator reads the container's latest LSN from the session token.
  res.setHeader("x-ms-session-token", `0:-1#${feed.lsn}`);
  if (changes.length === 0) {
    res.statusCode = 304;
    return undefined;
  }
  res.statusCode = 200;
  return { _rid: container._rid, Documents: changes, _count: changes.length };
};

// Requests on documents that the package does not answer (or answers wrongly) are handled here.
const handleDocuments = async (req, res, pathname) => {
  const m = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs(?:\/([^/]+))?$/.exec(pathname);
  if (!m) return { handled: false };
  const [dbId, collId, docId] = m.slice(1).map(s => (s === undefined ? s : decodeURIComponent(s)));
  const collection = account.database(dbId).collection(collId);
  if (!collection.read()) return { handled: true, body: notFound(res) };
  if (docId === undefined) {
    if (req.method === "GET" && header(req, "a-im")) return { handled: true, body: changeFeed(collection, req, res) };
    if (req.method === "POST" && (isTrue(req, "x-ms-documentdb-isquery") || (header(req, "content-type") || "").startsWith("application/query+json"))) {
      return { handled: true, body: await queryDocuments(collection, req, res) };
    }
    return { handled: false };
  }
  if (req.method === "GET") return { handled: true, body: readDocument(collection, req, res, docId) };
  if (["PUT", "DELETE", "PATCH"].includes(req.method) && !findDocument(collection, req, docId)) {
    return { handled: true, body: notFound(res) };
  }
  return { handled: false };
};

const handle = async (req, res) => {
  let pathname = new URL(req.url, "http://localhost").pathname.replace(/^\/\//, "/");
  while (pathname.length > 1 && pathname.endsWith("/")) pathname = pathname.slice(0, -1);
  const own = await handleDocuments(req, res, pathname);
  let body;
  if (own.handled) {
    ({ body } = own);
  } else {
    const route = routes(req);
    if (!route) {
      res.statusCode = 400;
      body = { message: "no route" };
    } else {
      const [params, handler] = route;
      body = await handler(account, req, res, params);
      // The package's own change feed support, used by the SDK for partition key ranges only:
      // one answer, then "not modified".
      if (header(req, "a-im") && res.statusCode === 200) {
        if (header(req, "if-none-match")) res.statusCode = 304;
        res.setHeader("etag", "1");
        res.setHeader("x-ms-item-count", "0");
      }
    }
  }
  if (res.statusCode > 399 && body && !body.message) body.message = "";
  if (body && body._etag) res.setHeader("etag", body._etag);
  res.setHeader("content-type", "application/json");
  res.setHeader("x-ms-activity-id", randomUUID());
  res.setHeader("x-ms-request-charge", "1");
  res.end(res.statusCode === 304 || body === undefined ? undefined : JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  handle(req, res).catch(err => {
    console.error(err);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ code: "InternalServerError", message: err.message }));
    } else {
      res.end();
    }
  });
});
// Clients keep connections in a pool for a minute or more: the server must not close them first.
server.keepAliveTimeout = 120000;
server.headersTimeout = 125000;

// ---- Persistence: replay the journal, then compact it to one line per live object ----

const replay = file => {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  replaying = true;
  try {
    lines.forEach((line, index) => {
      if (!line) return;
      let e;
      try {
        e = JSON.parse(line);
      } catch (err) {
        // Only the last line can be torn (killed mid-write); anything else is corruption.
        if (index >= lines.length - 2) return;
        throw new Error(`${file}:${index + 1}: ${err.message}`);
      }
      const database = e.db === undefined ? null : account.database(e.db);
      const restoreCount = items => {
        items._ridCount = Math.max(items._ridCount, e.n || 0);
      };
      switch (e.t) {
        case "db":
          account.databases._set(e.data);
          restoreCount(account.databases);
          break;
        case "deldb":
          account.databases.delete(e.id, e.id);
          break;
        case "coll": {
          const before = database.collection(e.data.id);
          if (before.read()) {
            deleteItem.call(database.collections, e.data.id, e.data.id);
            keepDocuments(database.collections, before, database.collections._set(e.data));
          } else {
            database.collections._set(e.data);
          }
          restoreCount(database.collections);
          break;
        }
        case "delcoll":
          database.collections.delete(e.id, e.id);
          break;
        case "doc": {
          const docs = database.collection(e.coll).documents;
          const old = docs._item("/id", e.data.id, docs._getPartition(e.data)).read();
          if (old) {
            docs._replacing = true;
            deleteItem.call(docs, old.id, docs._getPartition(old));
            docs._replacing = false;
          }
          docs._set(e.data);
          restoreCount(docs);
          break;
        }
        case "deldoc":
          database.collection(e.coll).documents.delete(e.id, e.pk === null ? undefined : e.pk);
          break;
        case "lsn":
          feedOf(database.collection(e.coll).documents).lsn = Math.max(feedOf(database.collection(e.coll).documents).lsn, e.lsn);
          break;
        default:
          throw new Error(`${file}:${index + 1}: unknown entry ${e.t}`);
      }
    });
  } finally {
    replaying = false;
  }
};

const snapshot = () => {
  const entries = [];
  for (const dbItem of account.databases._data.values()) {
    const db = dbItem.read();
    entries.push({ t: "db", data: db, n: account.databases._ridCount });
    for (const collItem of dbItem.collections._data.values()) {
      const coll = collItem.read();
      const docs = collItem.documents;
      entries.push({ t: "coll", db: db.id, data: coll, n: dbItem.collections._ridCount });
      const live = feedOf(docs).log.filter(doc => isCurrent(docs, doc));
      live.forEach(doc => entries.push({ t: "doc", db: db.id, coll: coll.id, data: doc, n: docs._ridCount }));
      entries.push({ t: "lsn", db: db.id, coll: coll.id, lsn: feedOf(docs).lsn });
    }
  }
  return entries;
};

if (args.data) {
  fs.mkdirSync(args.data, { recursive: true });
  const file = path.join(args.data, "cosmos-journal.jsonl");
  if (fs.existsSync(file)) replay(file);
  const compacted = `${file}.tmp`;
  fs.writeFileSync(compacted, snapshot().map(e => `${JSON.stringify(e)}\n`).join(""));
  fs.renameSync(compacted, file);
  journal = fs.openSync(file, "a");
}

const stop = () => {
  if (journal !== null) {
    fs.fsyncSync(journal);
    fs.closeSync(journal);
    journal = null;
  }
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
// A parent that holds our stdin open and dies without stopping us (a killed test host) must not leave us running.
if (args.exitWithStdin) {
  process.stdin.on("end", stop);
  process.stdin.on("error", stop);
  process.stdin.resume();
}

server.listen(args.port, args.host, () => {
  const { port } = server.address();
  // The account document advertises this endpoint to clients.
  account._data.writableLocations[0].databaseAccountEndpoint = `http://${args.host}:${port}/`;
  account._data.readableLocations[0].databaseAccountEndpoint = `http://${args.host}:${port}/`;
  console.log(`listening on ${port}`);
});
