//! 中文帮助: every command's and argument's help in Chinese, for `--lang zh` (or a Chinese
//! locale), and clap's own errors in Chinese. The English help is the commands' doc comments;
//! this table is its one Chinese counterpart, keyed by the command's words and the argument's
//! id, and a test fails when a command or an argument has no entry (or an entry names nothing).
//! Examples are commands, the same in both languages: they are taken from the English help.

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorFormatter, ErrorKind};
use clap::{Arg, Command};

/// Each command's description, by its words.
pub const COMMANDS: &[(&str, &str)] = &[
    ("init", "新建数据库及首位管理员，并确定时钟模式。"),
    ("demo", "生成演示数据库：一个省、一个市、两个县及其部门、信访机构、法院、乡镇街道和工作人员，以及走完各条路径的信访件（转送、交办、异议、越级、集体访、延期、协办、复查、复核听证、终结、各类不予受理、督办）；随后显示一个单位的待办、一件的办理经过和超期清单。"),
    ("unit", "管理单位：添加、从 CSV 导入、列表、更名。"),
    ("unit add", "添加单位。"),
    ("unit import", "从 CSV 文件导入单位，列为 code,name,level,kind,parent,line_superior。修改文件后可再次导入：新编码新增，名称改变即更名，未变的行跳过；上级或业务上级改变的行拒绝导入，除非加 --move（机构调整：其信访件的查阅范围随新位置改变）。全部导入或全部不导入：有错的行报告行号，且不导入任何一行。"),
    ("unit list", "列出单位，或以树形显示。"),
    ("unit rename", "单位更名（机构更名）。代码不变；审计链保留原名称。"),
    ("staff", "管理工作人员：添加、列表、令牌、调动、更名、停用。"),
    ("staff add", "添加工作人员。"),
    ("staff list", "列出工作人员，可只列一个单位的。"),
    ("staff import", "从 CSV 文件导入工作人员，列为 id,name,role,unit（role：clerk、head、admin 或 integration；管理员的 unit 为空）。修改文件后可再次导入：新编号新增，姓名改变即更名，单位改变即调动（其令牌失效，并不再承办原单位的信访件），未变的行跳过；角色改变的行拒绝导入。全部导入或全部不导入。"),
    ("staff token", "为办公服务器（petition serve）签发访问令牌，只显示一次：数据库只保存其 SHA-256 摘要。由管理员在服务器上运行；把令牌交给本人，由其在自己的电脑上设置 PETITION_TOKEN。接口账户的令牌带有管理员选定的权限：register（以本单位名义登记）、read（只查阅本账户登记的信访件）、feed（这些信访件的变更）、act（办理这些信访件）；工作人员的令牌具有其角色的全部权限。"),
    ("staff revoke-tokens", "吊销某工作人员的全部令牌（电脑丢失、令牌被他人看到）。"),
    ("staff move", "把工作人员调到另一单位（调动）。其办理记录仍属于其当时所在的单位；其为原单位承办的在办信访件随即无承办人，并一一列出；用 --reassign-to 指定原单位的同事，则这些信访件改由其承办。"),
    ("staff rename", "工作人员更名（审计链保留原姓名）。"),
    ("staff deactivate", "停用工作人员（离职、调离）：不能再办理，其令牌全部吊销；办理记录保留；其承办的在办信访件随即无承办人，并一一列出，以便本单位另行确定承办人；用 --reassign-to 指定同事，则改由其承办。"),
    ("policy", "查看或修改时限参数。修改只影响此后开始计算的期限，并记入审计链。"),
    ("policy show", "显示全部时限参数及其默认值和来源。"),
    ("policy set", "修改一项时限参数（仅管理员）。"),
    ("calendar", "导入或查看工作日历（节假日与调休）。"),
    ("calendar import", "导入日历：CSV（date,kind，kind 为 holiday 或 workday）或 TOML（holidays = [\"2026-05-01\", …]、workdays = [\"2026-05-09\"]）。全部导入或全部不导入。"),
    ("calendar show", "显示日历条目，可只显示某一年。"),
    ("register", "登记信访事项。登记人所在单位为初访首问单位和责任单位。"),
    ("amend", "在登记或转送后、受理前，由登记单位更正登记错误（更正登记）：每次一项，须说明理由。原值和新值记入办理经过；重复信访、越级、集体访标志以及（更正收到时间时）登记处理期限按更正后的登记重新确定。--value 为空时删除内容、证件号码、电话、住址、被反映单位或代表。姓名、证件号码、电话、住址指第一信访人的；代表为以逗号分隔的姓名；信访目的和信访形式可用中文填写（揭发控告、来访）。被反映单位和信访目的在受理后、出具处理意见前也可更正：指明被反映单位后，该单位立即看不到本件；该单位正在承办、主办或协办本件的，其办理随即终止（收回），由其承办或主办的件退回登记单位并重新计算登记处理期限，以便转至其他单位。"),
    ("transfer", "转送有权处理的单位。接收单位应受理、不予受理或提出异议。"),
    ("assign", "交办，并要求在规定日期前报送办结报告。"),
    ("object", "认为不属本单位职责的，在收到之日起 5 个工作日内提出异议。"),
    ("objection", "批准或驳回接收单位的异议（由转送交办单位决定）。"),
    ("accept", "受理；本单位成为主办单位，所列单位协办。"),
    ("decline", "依法不予受理，并附对信访人的告知内容。"),
    ("assist-input", "协办单位报送协办意见。"),
    ("extend", "延长办理期限（延期，累计不超过 30 日）：主办单位负责人可直接延期；经办人用 extend request 申请，负责人用 extend approve 批准或 extend reject 不予批准。"),
    ("extend request", "向本单位负责人申请延期（主办单位任一经办人）。"),
    ("extend approve", "批准待批的延期申请（主办单位负责人）。"),
    ("extend reject", "不予批准待批的延期申请（主办单位负责人）。"),
    ("take", "成为本件承办人：在责任单位内由您承办；queue --mine 列出您承办的事项。"),
    ("hand", "把本件转交责任单位的另一名工作人员承办。"),
    ("opinion", "出具处理意见书：支持、解释说明或不予支持。"),
    ("report", "交办件向交办单位报送办结报告。"),
    ("review", "复查：登记信访人的复查申请，或出具复查意见。"),
    ("query-code", "信访人用以查询办理进度的查询码。"),
    ("query-code reset", "为遗失查询码的信访人重置查询码（原查询码随即失效）：由登记单位或辖区包含该件的信访工作机构办理。新查询码仅此一次显示（数据库只保存其加盐哈希），重置记入办理经过和个人信息查阅记录。"),
    ("review request", "登记复查申请（由复查机关在收到处理意见之日起 30 日内登记），附信访人的复查理由。复查机关所在地的信访工作机构可在窗口代为登记，件随即转由该复查机关办理和答复。"),
    ("review opinion", "出具复查意见：维持、变更或撤销。"),
    ("rereview", "复核：登记复核申请、记录听证，或出具复核意见。"),
    ("rereview request", "登记复核申请（由复核机关在收到复查意见之日起 30 日内登记），附信访人的复核理由。复核机关所在地的信访工作机构可在窗口代为登记，件随即转由该复核机关办理。"),
    ("rereview hearing", "记录听证；听证期间（首尾两日均计入）不计入办理期限。"),
    ("rereview opinion", "出具复核意见；信访事项随即终结。"),
    ("close", "信访人接受答复，办结。"),
    ("evaluate", "录入信访人对最近一次答复的满意度评价，每次答复一次，30 日内。"),
    ("withdraw", "记录信访人撤回信访事项。"),
    ("void", "作废误录的登记（接口重试产生的重复登记、测试数据）：只能由登记单位在受理前作废。该件保留在办理经过中（编号不再使用），显示为“已作废”，但不计入任何统计：不计登记数、不计重复信访，以后的信访件也不会被认定为它的重复件。用 --duplicate-of 指明与之重复、继续有效的那一件。"),
    ("note", "在卷宗中记录来电、来访、约谈、回访或现场核查。可查阅本件的单位都可以记录，任何状态均可（包括办结后的回访）。可完整查阅本件的读者看到内容；脱敏查阅的读者只看到类别、时间和单位。"),
    ("attach", "把文件放入卷宗（附件）：来信扫描件、身份证明复印件、现场照片、签收的文书。可查阅本件的单位都可以附加，任何状态均可。文件类型按内容识别，不看文件名：PDF、OFD、JPEG、PNG、TIFF、DOCX、XLSX 或 UTF-8 纯文本（网页、程序、ZIP 压缩包不收）。单个文件不超过 20 MiB，一件合计不超过 200 MiB（参数 attachment_max_mib、case_attachments_max_mib）。办理经过记录文件的 SHA-256、大小、类型、类别和标题；只有可完整查阅本件的单位可以下载。"),
    ("attachments", "列出本件卷宗的附件：类别、标题、大小、类型、附加时间、附加单位和 SHA-256（表中显示前 12 位；attachment get 接受 8 位以上）。可查阅本件的单位都能看到清单；已撤下的文件加 --all 才列出。"),
    ("attachment", "卷宗中的一个文件：下载，或撤下误附的文件。"),
    ("attachment get", "下载卷宗附件：只有可完整查阅本件的单位（登记单位、责任单位、主办单位、协办单位）可以下载，被举报控告的单位永远不能。每次下载都记入查阅日志。写出时按 SHA-256 校验，输出文件完整后才出现。"),
    ("attachment withdraw", "撤下误附的文件（他人的身份证明、重复的扫描件）：只能由附加该文件的单位撤下。撤下后不再列出、不再提供下载；办理经过保留其哈希值和理由。"),
    ("served", "登记信访人收到书面文书的日期（送达）。依法自收到之日起计算的期限——收到处理意见书之日起 30 日内申请复查、收到复查意见书之日起 30 日内申请复核，以及满意度评价——在登记送达前自出具之日起算，登记后自收到之日起算（只会延后，不会提前）。由出具文书的单位或登记本件的单位登记，每份文书一次。"),
    ("merge", "把本件合并到同一事项的另一件在办件；两件的办理经过都保留关联。"),
    ("supervise", "对责任单位或本件的其他单位督办，限期反馈。只有该单位的信访工作机构、上一级机构或其上级机关可以督办（一级督办一级）。"),
    ("respond", "督办反馈（说明原因）；只有被督办单位可以反馈。"),
    ("tick", "按 --now 的时间处理到期事项（由 cron 或 systemd 定时运行）：对超期的期限催办，对未反馈的督办升级，申请期限届满的办结，记录评价期限届满。以 system 身份运行；同一时间再运行一次不会重复处理。"),
    ("show", "查看一件：登记信息、期限（超期醒目显示）、督办，以及（可选）办理经过。登记、责任、主办、协办单位的工作人员可看到完整的个人信息（每次查看记入查阅记录）；其他人看到的是脱敏信息。无权查阅的信访件，回答与不存在的信访件完全相同。"),
    ("status", "凭查询码查看办理进度：状态、责任单位、办理步骤、期限、答复，以及信访人下一步可以做什么。查询码错误时，回答与不存在的信访件完全相同。"),
    ("notice", "打印文书：登记回执、受理告知书、不予受理告知书、延期告知书、处理意见书、复查意见书、复核意见书、转送单/交办单或督办单。默认中文（--lang en 为英文）；用 --html 或以 .html 结尾的 --out 文件输出可打印的网页。"),
    ("list", "按条件列出信访件，最新的在前。"),
    ("search", "检索您可查阅的信访件：概况、内容或信访人姓名中含有所输文字的（汉字一个字起即可检索：“漏”可找到“房屋漏水”），或电话、证件号码以所输数字结尾的（4 位起）。以空格分隔的几个词须同时符合（“王 漏水”：姓王且反映漏水的）。编号最新的在前。姓名和号码按您看到的样子比对：某件对您显示为“王某”“138****5678”时，输入全名查不到，号码只能按末 4 位查。"),
    ("queue", "本单位待办，最紧急的在前（先列超期的，再按到期日；重大紧急件标【重】，集体访标【集】）：待受理、待办理、待复查、应报的协办意见和督办反馈、待决定的异议、已发出的督办，以及受理前的初访首问跟踪。默认最多列 200 件，末行说明共有多少件。加 --mine：您承办的在办事项。"),
    ("overdue", "列出超期事项，超期最久的在前。"),
    ("stats", "按登记时间段统计，于 --now 计算：登记量、集体访、越级访、重复访、及时受理率、按期办结率、参评率、满意率、重复信访率、未办结超期和督办。最后一行为合计（各项数量相加，比率按合计数重新计算）。--rank 按指标排序，最好的在前、最差的在后，用于通报正反典型。--compare previous 增列与上一个同样长度期间相比的变化。"),
    ("verify", "校验数据库：重新计算 SHA-256 审计链和查阅记录链，由审计链重建全部派生数据（信访件、期限、督办、重复信访键、统计计数、检索索引、单位、工作人员、时限参数、日历）并逐一比对；按规则逐条重新裁决每一件的每个事件（由其操作人、按当时的组织机构和时间、针对当时的信访件），规则不会产生的记录即为篡改；并核对此前记录的锚点。以只读方式打开，不创建也不修改任何文件。发现任何不一致时以退出码 5 结束，并指出第一处（表和键）。"),
    ("access-log", "列出个人信息查阅记录（仅管理员）：每次未脱敏地显示或导出信访人个人信息——谁、哪一件、何时、用哪个命令（个人信息保护法第五十一条、第五十五条）。该记录只能追加，由 petition verify 校验。"),
    ("export", "导出数据库：xlsx（信访台账：Excel 工作簿，每件一行，表头和取值用输出语言的文字，日期为日期格式，证件号码和电话为文本，首行冻结并带筛选）、csv（同样的列，UTF-8 带 BOM，可直接用 Excel 打开）、jsonl（审计链的全部事件，可用 import 重建）或 open311（GeoReport v2）。台账列出您可查阅的信访件，可按登记日期、状态、单位（该单位登记、承办、主办或协办的件）和分类筛选；本单位登记、承办、主办或协办的件显示完整个人信息（每件记入查阅日志），其余脱敏。管理员导出时脱敏，除非使用 --include-pii。"),
    ("import", "由 jsonl 导出（须用 --include-pii 导出）重建数据库，载入时校验审计链。目标（--db）必须不存在；有错的行报告行号，且不留下数据库。"),
    ("copy", "把整个数据库复制为新数据库，可在同一种或另一种数据库之间（SQLite 文件，或以 postgres://用户@主机:端口/库名 给出的 PostgreSQL 数据库）。审计链连同个人信息一起导出（须由源库的管理员运行，并在源库记入查阅记录），经规则校验的导入逐条重新判定；副本经校验，头部哈希相同。目标必须是新的：不存在的文件，或空的 PostgreSQL 数据库。中间不落盘。"),
    ("backup", "用 SQLite 在线备份把数据库复制到 PATH（备份时工作人员可照常办理）。"),
    ("serve", "运行办公服务器：/api/v1 下的 JSON 接口，供各办公桌（petition --server URL --token T …）和其他系统使用；变更推送（/api/v1/events）；实时数据库每隔 tick_minutes（时限参数，默认 15）分钟处理到期事项；以及阳光信访页面。请求以 JSON 行记录在标准错误输出，不含个人信息和令牌。收到 SIGTERM（或 Ctrl-C）时处理完正在进行的请求后以 0 退出。"),
    ("completions", "输出 bash、zsh、fish、elvish 或 powershell 的命令行补全脚本。"),
];

/// Each argument's help, by its command's words ("" for the global options) and its id.
pub const ARGS: &[(&str, &str, &str)] = &[
    ("", "db", "数据库文件，或 postgres:// 连接串（默认：$XDG_DATA_HOME/petition/petition.db）"),
    ("", "actor", "办理人（工作人员编号；修改数据的命令必须给出）"),
    ("", "now", "命令的时间：RFC 3339，或 YYYY-MM-DD 表示当地 9:00（默认：当前时间）"),
    ("", "json", "在标准输出打印一个 JSON 文档（错误以 JSON 打印到标准错误）"),
    ("", "codes", "表格中显示单位代码，而不是单位名称"),
    ("", "lang", "输出语言（默认：LC_ALL/LANG 以 zh 开头时为 zh，否则为 en）"),
    ("", "server", "在办公服务器（petition serve）上运行命令，而不是本地数据库"),
    ("", "token", "用于 --server 的访问令牌（由管理员用 petition staff token 签发）"),
    ("init", "admin", "首位管理员的工作人员编号"),
    ("init", "admin_name", "首位管理员的姓名"),
    ("init", "clock", "时间来源：system（实际使用的数据库：系统时钟，修改数据时不接受 --now）或 simulated（培训、演示、测试：每个命令都可给出 --now）。数据库建成后不可更改"),
    ("demo", "cases", "另外生成这么多件，状态和日期分布接近实际"),
    ("demo", "seed", "生成信访件的随机种子（种子相同，数据相同）"),
    ("demo", "query_codes", "把生成的每一件的编号和查询码（以制表符分隔）写入此文件（演示数据：供公开页面的负载测试使用，数据库只保存查询码的哈希）"),
    ("unit add", "code", "单位代码（字母、数字、- _ .）"),
    ("unit add", "name", "全称"),
    ("unit add", "level", "行政层级"),
    ("unit add", "kind", "机关类别"),
    ("unit add", "parent", "上级机关（人民政府）"),
    ("unit add", "line_superior", "业务上级：上一级的同一部门"),
    ("unit import", "moves", "调整上级或业务上级已变的单位（层级和类型不能改变）"),
    ("unit import", "file", "CSV 文件（UTF-8，含表头）"),
    ("unit list", "tree", "按隶属关系显示"),
    ("unit rename", "code", "单位代码"),
    ("unit rename", "name", "新名称"),
    ("staff add", "id", "工作人员编号"),
    ("staff add", "name", "姓名"),
    ("staff add", "role", "clerk（经办人）| head（负责人）| admin（管理员）| integration（接口账户，供其他系统使用）"),
    ("staff add", "unit", "所在单位（管理员不需要）"),
    ("staff list", "unit", "只列这个单位的"),
    ("staff import", "file", "CSV 文件（UTF-8，表头为 id,name,role,unit）"),
    ("staff token", "id", "工作人员编号"),
    ("staff token", "expires_days", "令牌有效天数（1–366）"),
    ("staff token", "scope", "接口账户令牌的权限，逗号分隔：register（以本单位名义登记）、read（只查阅本账户登记的信访件）、feed（订阅其变更）、act（办理这些信访件）"),
    ("staff revoke-tokens", "id", "工作人员编号"),
    ("staff move", "id", "工作人员编号"),
    ("staff move", "unit", "调入单位"),
    ("staff move", "reassign_to", "接手其在办信访件的原单位同事（编号或姓名）"),
    ("staff rename", "id", "工作人员编号"),
    ("staff rename", "name", "新姓名"),
    ("staff deactivate", "id", "工作人员编号"),
    ("staff deactivate", "reassign_to", "接手其在办信访件的同事（编号或姓名）"),
    ("policy set", "key", "参数名，如 handling_days（见 policy show）"),
    ("policy set", "value", "参数值"),
    ("calendar import", "file", "文件（.csv 或 .toml）"),
    ("calendar show", "year", "只显示这一年"),
    ("register", "channel", "信访形式：letter 来信 | visit 来访 | phone 电话 | online 网上 | fax 传真 | email 电子邮件"),
    ("register", "purpose", "信访目的：request 求决 | suggestion 意见建议 | appeal 申诉 | accusation 揭发控告 | other 其他"),
    ("register", "locality", "问题属地：事项所涉地域的单位代码"),
    ("register", "category", "问题分类代码，以点分隔，如 land.requisition"),
    ("register", "summary", "概况，不超过 300 字"),
    ("register", "petitioner", "第一信访人姓名"),
    ("register", "id_number", "第一信访人居民身份证号码（按 GB 11643 校验）"),
    ("register", "phone", "第一信访人电话"),
    ("register", "address", "第一信访人住址"),
    ("register", "also", "另一名信访人：姓名[,证件号码[,电话]]（可重复）"),
    ("register", "headcount", "人数（默认：信访人数量）"),
    ("register", "representative", "代表人姓名（可重复，不超过 5 人）"),
    ("register", "content", "信访内容全文"),
    ("register", "content_file", "从文件读取信访内容"),
    ("register", "received_at", "来信收到或来访的时间（默认：当前时间）"),
    ("register", "litigation", "涉法涉诉事项"),
    ("register", "accused_unit", "揭发控告件：被揭发控告的单位（其工作人员永远看不到本件）"),
    ("register", "major", "重大紧急事项"),
    ("register", "external_ref", "其他系统对该事项的编号，格式 系统:编号（如 hotline-12345:T20260302-0001）；同一系统的编号只能登记一次"),
    ("register", "file", "从 JSON 文件读取全部登记信息，代替各选项（- 表示标准输入）"),
    (
        "register",
        "receipt",
        "同时把附查询码的登记回执写入此文件（.html 为可打印页面）：查询码仅此一次显示，之后打印的回执不再载有查询码",
    ),
    ("amend", "case", "信访件编号"),
    ("amend", "field", "要更正的项目"),
    ("amend", "value", "更正后的值（received_at：日期，或日期和时间；representatives：以逗号分隔的姓名）"),
    ("amend", "reason", "更正理由"),
    ("transfer", "case", "信访件编号"),
    ("transfer", "to", "接收单位：代码、名称，或只有该单位名称中含有的部分（如“住建局”）"),
    ("transfer", "note", "给接收单位的附言"),
    ("assign", "case", "信访件编号"),
    ("assign", "to", "接收单位：代码、名称，或只有该单位名称中含有的部分（如“住建局”）"),
    ("assign", "report_by", "办结报告的报送期限（YYYY-MM-DD）"),
    ("assign", "note", "给接收单位的附言"),
    ("object", "case", "信访件编号"),
    ("object", "reason", "理由"),
    ("objection", "case", "信访件编号"),
    ("objection", "approve", "异议成立：退回重新转送交办"),
    ("objection", "reject", "异议不成立：由接收单位继续办理"),
    ("objection", "note", "附言"),
    ("accept", "case", "信访件编号"),
    ("accept", "assist", "协办单位（可重复）"),
    ("decline", "case", "信访件编号"),
    ("decline", "ground", "不予受理的理由：litigation 应通过诉讼仲裁复议解决 | legislature_or_judiciary 属人大、法院、检察院职权 | concluded 已办结 | in_progress 正在办理 | skip_level 越级走访 | out_of_scope 不属本机关职权 | incomplete 信息不全"),
    ("decline", "notice", "对信访人的告知内容"),
    ("decline", "notice_file", "从此文件读取告知内容（UTF-8），用于长文本"),
    ("assist-input", "case", "信访件编号"),
    ("assist-input", "text", "协办意见"),
    ("assist-input", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("extend", "case", "信访件编号"),
    ("extend", "days", "延长的天数"),
    ("extend", "reason", "理由"),
    ("extend request", "case", "信访件编号"),
    ("extend request", "days", "申请延长的天数"),
    ("extend request", "reason", "理由"),
    ("extend approve", "case", "信访件编号"),
    ("extend reject", "case", "信访件编号"),
    ("extend reject", "note", "给经办人的理由"),
    ("take", "case", "信访件编号"),
    ("hand", "case", "信访件编号"),
    ("hand", "to", "此后承办本件的工作人员：编号或姓名（如“王芳”）"),
    ("opinion", "case", "信访件编号"),
    ("opinion", "outcome", "处理意见：supported 支持 | explained 解释说明 | not_supported 不予支持"),
    ("opinion", "text", "处理意见书正文"),
    ("opinion", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("opinion", "without_assist", "协办意见未到也出具，并说明原因"),
    ("report", "case", "信访件编号"),
    ("report", "text", "办结报告"),
    ("report", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("review request", "case", "信访件编号"),
    ("query-code reset", "case", "信访件编号"),
    (
        "query-code reset",
        "receipt",
        "同时把附新查询码的登记回执写入此文件（.html 为可打印页面）",
    ),
    ("review request", "reason", "信访人的复查理由"),
    ("review opinion", "case", "信访件编号"),
    ("review opinion", "outcome", "复查意见：upheld 维持 | revised 变更 | revoked 撤销"),
    ("review opinion", "text", "正文"),
    ("review opinion", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("rereview request", "case", "信访件编号"),
    ("rereview request", "reason", "信访人的复核理由"),
    ("rereview hearing", "case", "信访件编号"),
    ("rereview hearing", "start", "第一天（YYYY-MM-DD）"),
    ("rereview hearing", "end", "最后一天（YYYY-MM-DD）"),
    ("rereview opinion", "case", "信访件编号"),
    ("rereview opinion", "outcome", "复核意见：upheld 维持 | revised 变更 | revoked 撤销"),
    ("rereview opinion", "text", "正文"),
    ("rereview opinion", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("close", "case", "信访件编号"),
    ("close", "reason", "只能是 accepted（申请期限届满的由 tick 办结）"),
    ("evaluate", "case", "信访件编号"),
    ("evaluate", "handling", "对办理的评价：satisfied 满意 | basically_satisfied 基本满意 | dissatisfied 不满意"),
    ("evaluate", "office", "对信访工作机构的评价"),
    ("withdraw", "case", "信访件编号"),
    ("withdraw", "reason", "理由"),
    ("void", "case", "信访件编号"),
    ("void", "reason", "作废理由"),
    ("void", "duplicate_of", "与之重复、继续有效的信访件编号"),
    ("note", "case", "信访件编号"),
    ("note", "kind", "记录类别：call 来电 | visit 来访 | interview 约谈 | callback 回访 | site 现场核查 | other 其他"),
    ("note", "text", "记录内容"),
    ("note", "text_file", "从该文件（UTF-8）读取记录内容，用于较长的文字"),
    ("note", "at", "发生时间（早于现在时填写；RFC 3339，或日期表示当日 9 时）"),
    ("attach", "case", "信访件编号"),
    ("attach", "file", "要附加的文件"),
    ("attach", "kind", "附件类别：letter 信访件原件 | id_copy 身份证明复印件 | evidence 证据材料 | signed_notice 签收文书 | photo 照片 | other 其他"),
    ("attach", "title", "标题（默认为文件名）"),
    ("attachments", "case", "信访件编号"),
    ("attachments", "all", "也列出已撤下的文件"),
    ("attachment get", "case", "信访件编号"),
    ("attachment get", "sha256", "文件的 SHA-256，或其前 8 位以上的十六进制数字（见 attachments）"),
    ("attachment get", "out", "把文件写到此处（- 表示标准输出）"),
    ("attachment withdraw", "case", "信访件编号"),
    ("attachment withdraw", "sha256", "文件的 SHA-256，或其前 8 位以上的十六进制数字"),
    ("attachment withdraw", "reason", "撤下理由"),
    ("served", "case", "信访件编号"),
    ("served", "notice", "送达的文书：decline 不予受理告知书 | opinion 处理意见书 | review 复查意见书 | rereview 复核意见书"),
    ("served", "on", "信访人收到的日期（YYYY-MM-DD）"),
    ("served", "how", "送达方式：in_person 直接送达 | post 邮寄送达 | electronic 电子送达 | public 公告送达"),
    ("served", "note", "备注（回执编号、签收人）"),
    ("merge", "case", "被合并（终止）的信访件"),
    ("merge", "into", "保留的信访件"),
    ("supervise", "case", "信访件编号"),
    ("supervise", "ground", "督办事由：overdue 超期 | no_result_report 未报办结报告 | wrong_procedure 程序错误 | evasion 推诿敷衍拖延 | not_executed 未落实 | falsification 弄虚作假 | other 其他"),
    ("supervise", "respond_by", "被督办单位的反馈期限（YYYY-MM-DD）"),
    ("supervise", "text", "督办单正文"),
    ("supervise", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("supervise", "unit", "督办这个单位而不是责任单位（如协办单位）"),
    ("supervise", "level", "督办级别：reminder 催办 | supervision 督办 | notice 通报 | accountability 追责建议（默认：supervision）"),
    ("respond", "case", "信访件编号"),
    ("respond", "supervision", "督办在本件中的序号（见 show）"),
    ("respond", "text", "反馈内容"),
    ("respond", "text_file", "从此文件读取正文（UTF-8），用于长文本"),
    ("show", "case", "信访件编号"),
    ("show", "timeline", "同时显示办理经过"),
    ("status", "case", "信访件编号"),
    ("status", "code", "查询码（印在登记回执和受理告知书上）"),
    ("notice", "case", "信访件编号"),
    ("notice", "kind", "文书种类"),
    ("notice", "out", "写入这个文件"),
    ("notice", "html", "输出可打印的网页，而不是文本"),
    ("notice", "supervision", "用于 --kind supervision：哪一次督办（默认：最近一次）"),
    ("list", "state", "只列这个状态的（可重复）"),
    ("list", "unit", "只列该单位承办或主办的件（代码或名称）"),
    ("list", "overdue", "只列有超期期限的"),
    ("list", "due_within", "只列这么多天内有期限到期的"),
    ("list", "petitioner", "只列信访人姓名含有这些文字的"),
    ("list", "external_ref", "只列以该外部编号（系统:编号）登记的信访件"),
    ("list", "officer", "只列这名承办人承办的（工作人员编号）"),
    ("list", "from", "登记日期不早于（YYYY-MM-DD）"),
    ("list", "to", "登记日期不晚于（YYYY-MM-DD）"),
    ("list", "limit", "最多列出这么多件（1–1000）"),
    ("list", "after", "接着上一页列出：填上一页应答中的 next"),
    ("search", "text", "要找的内容：汉字、词语、姓名，或号码的末几位；几个词须同时符合"),
    ("search", "limit", "最多列出这么多件（1–1000）"),
    ("search", "after", "接着上一页列出：填上一页应答中的 next"),
    ("queue", "limit", "最多列出这么多件（1–1000，默认 200）"),
    ("queue", "after", "接着上一页列出：填上一页应答中的 next"),
    ("queue", "mine", "只列您承办的在办事项，最新的在前"),
    ("overdue", "unit", "只列该单位承办或主办的件（代码或名称）"),
    ("overdue", "limit", "最多列出这么多件（1–1000）"),
    ("overdue", "after", "接着上一页列出：填上一页应答中的 next"),
    ("stats", "from", "登记日期起（YYYY-MM-DD；默认：本月第一天）"),
    ("stats", "to", "登记日期止（YYYY-MM-DD；默认：今天）"),
    ("stats", "by", "按单位、属地或分类分组"),
    ("stats", "rank", "按这项指标排序，最好的在前"),
    ("stats", "compare", "与上一个同样长度的期间对比"),
    ("verify", "anchors", "逐行核对 FILE 中的“位置 哈希”锚点"),
    ("verify", "anchor_line", "只打印头部一行“位置 哈希”（追加到锚点文件）"),
    ("access-log", "case", "只列这一件的查阅"),
    ("access-log", "staff", "只列这名工作人员的查阅"),
    ("access-log", "after", "从这个位置之后开始（分页）"),
    ("access-log", "limit", "最多列出这么多条"),
    ("export", "format", "格式：xlsx | csv | jsonl | open311"),
    ("export", "out", "写入这个文件，而不是标准输出"),
    ("export", "include_pii", "不脱敏地包含个人信息（仅管理员）"),
    ("export", "from", "台账：登记日期不早于此日"),
    ("export", "to", "台账：登记日期不晚于此日"),
    ("export", "state", "台账：只列此状态的件（可重复）"),
    ("export", "unit", "台账：只列该单位登记、承办、主办或协办的件"),
    ("export", "category", "台账：只列此分类及其下级分类"),
    ("import", "file", "JSON Lines 文件"),
    ("copy", "from", "要复制的数据库（文件或 postgres:// 连接串）"),
    ("copy", "to", "新数据库（不存在的文件，或空的 PostgreSQL 数据库）"),
    ("backup", "path", "目标文件（必须不存在）"),
    ("serve", "listen", "监听的地址和端口（端口 0：任一空闲端口，启动时打印）"),
    ("serve", "tls_cert", "TLS 证书链（PEM）"),
    ("serve", "tls_key", "TLS 私钥（PEM）"),
    ("serve", "insecure_http", "在非本机地址上提供明文 HTTP（只用于由代理终止 TLS 的情形）"),
    ("serve", "connections", "请求之间保持的数据库连接数"),
    ("serve", "trusted_proxy", "阳光信访页面前的反向代理：来自该地址的请求，以 X-Forwarded-For 的最后一个地址为客户端（用于查询次数限制）。可重复"),
    ("serve", "max_connections", "同时服务的连接数上限；超出的连接立即关闭（每个客户端可保持一个连接）"),
    ("serve", "instance", "多个服务器共用一个 PostgreSQL 数据库时本服务器的名称（写入日志和 /api/v1/health；默认为主机名加进程号）"),
    ("completions", "shell", "命令行外壳"),
];

fn command_zh(path: &str) -> Option<&'static str> {
    COMMANDS.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

fn arg_zh(path: &str, id: &str) -> Option<&'static str> {
    ARGS.iter()
        .find(|(p, a, _)| *p == path && *a == id)
        .map(|(_, _, t)| *t)
}

/// The examples of a command's English long help (`Examples:` or `Example:` and what follows).
fn examples(cmd: &Command) -> Option<String> {
    let long = cmd.get_long_about()?.to_string();
    let at = long.find("Examples:").or_else(|| long.find("Example:"))?;
    let rest = &long[at..];
    let body = rest.split_once(':').map(|(_, b)| b).unwrap_or_default();
    Some(if body.starts_with('\n') {
        format!("示例：{body}")
    } else {
        format!("示例：\n  {}", body.trim_start())
    })
}

/// An argument's help in Chinese, with its default, choices and environment variable said in
/// Chinese (clap's own notes are switched off).
fn localize_arg(a: Arg, path: &str) -> Arg {
    let id = a.get_id().as_str().to_string();
    let Some(zh) = arg_zh(path, &id) else {
        return a;
    };
    let mut help = zh.to_string();
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let takes_value = a.get_action().takes_values();
    if takes_value && !defaults.is_empty() && !help.contains("默认") {
        help.push_str(&format!("（默认：{}）", defaults.join("、")));
    }
    let choices: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_string())
        .collect();
    if takes_value && !choices.is_empty() && !choices.iter().all(|c| help.contains(c.as_str())) {
        help.push_str(&format!("（可选：{}）", choices.join("、")));
    }
    if a.is_required_set() && !a.is_positional() {
        help.push_str("（必填）");
    }
    let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
    if let Some(env) = &env {
        help.push_str(&format!("（环境变量 {env}）"));
    }
    let heading = if a.is_global_set() {
        "通用选项"
    } else if a.is_positional() {
        "参数"
    } else {
        "选项"
    };
    let mut a = a.help(help).help_heading(heading);
    if takes_value {
        a = a.hide_default_value(true).hide_possible_values(true);
    }
    if env.is_some() {
        a = a.hide_env(true);
    }
    a
}

/// `unit import --help`'s note on the columns, in Chinese: each value with its name.
fn unit_columns_zh() -> String {
    use petition_core::case::Vocabulary;
    fn listed<V: Vocabulary>() -> String {
        V::ALL
            .iter()
            .map(|v| format!("{} {}", v.as_str(), v.label(petition_core::Lang::Zh)))
            .collect::<Vec<_>>()
            .join("、")
    }
    format!(
        "level（层级）：{}\nkind（类型）：{}\nparent（上级）：人民政府的上级是上一级人民政府（省级无上级）；工作部门、信访工作机构和政法机关的上级是同级人民政府\nline_superior（业务上级）：上一级的同一部门（可空）\n上级和业务上级填写文件中或数据库中已有单位的代码",
        listed::<petition_core::org::Level>(),
        listed::<petition_core::org::UnitKind>(),
    )
}

/// The help template of a command in Chinese (the sections' headings are the arguments' own).
const TEMPLATE: &str = "{before-help}{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command line's definition with every command's and argument's help in Chinese.
pub fn localize(cmd: Command) -> Command {
    let mut cmd = localize_at(cmd, "");
    // clap makes `--help` and the `help` command when it builds the definition: build it, then
    // say those in Chinese too.
    // (The top level's own help is written by hand, and changing its arguments after the build
    // confuses clap's ids: only the commands below are touched.)
    cmd.build();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, help_words);
    }
    cmd
}

fn help_words(mut cmd: Command) -> Command {
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = if name == "help"
            && cmd.get_subcommands().any(|s| {
                s.get_name() == "help"
                    && s.get_about()
                        .is_some_and(|a| a.to_string().starts_with("Print"))
            }) {
            cmd.mut_subcommand(name, |s| s.about("显示本帮助或某个命令的帮助"))
        } else {
            cmd.mut_subcommand(name, help_words)
        };
    }
    cmd
}

fn localize_at(mut cmd: Command, path: &str) -> Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| path.is_empty() || !a.is_global_set())
        .map(|a| a.get_id().as_str().to_string())
        .collect();
    for id in ids {
        let p = path.to_string();
        cmd = cmd.mut_arg(id, move |a| localize_arg(a, &p));
    }
    if path == "unit import" {
        cmd = cmd.after_help(unit_columns_zh());
    }
    if !path.is_empty() {
        if let Some(zh) = command_zh(path) {
            let long = match examples(&cmd) {
                Some(ex) => format!("{zh}\n\n{ex}"),
                None => zh.to_string(),
            };
            cmd = cmd.about(zh).long_about(long);
        }
        // clap's own `-h, --help`, said in Chinese under the options' heading.
        cmd = cmd
            .help_template(TEMPLATE)
            .subcommand_help_heading("命令")
            .disable_help_flag(true)
            .arg(
                Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(clap::ArgAction::Help)
                    .help("显示帮助")
                    .long_help("显示帮助（-h 只显示摘要）")
                    .help_heading("选项"),
            );
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let p = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(name, move |s| localize_at(s, &p));
    }
    cmd
}

/// The English definition with each required option marked `[required]` (positional arguments
/// are always required and say so by their place).
pub fn mark_required(mut cmd: Command) -> Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .filter(|a| a.is_required_set() && !a.is_positional())
        .map(|a| a.get_id().as_str().to_string())
        .collect();
    for id in ids {
        cmd = cmd.mut_arg(id, |a| {
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            a.help(format!("{help} [required]"))
        });
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, mark_required);
    }
    cmd
}

/// clap's errors in Chinese: what was wrong, with the value, the valid values and a
/// suggestion when clap has them, and how to get help.
pub struct Zh;

impl ErrorFormatter for Zh {
    fn format_error(error: &clap::error::Error<Self>) -> StyledStr {
        let get = |k: ContextKind| error.get(k);
        let text = |v: Option<&ContextValue>| match v {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join("、"),
            Some(ContextValue::StyledStr(s)) => s.to_string(),
            Some(ContextValue::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let arg = text(get(ContextKind::InvalidArg));
        let value = text(get(ContextKind::InvalidValue));
        let mut out = String::from("错误：");
        out.push_str(&match error.kind() {
            ErrorKind::InvalidValue if value.is_empty() => format!("{arg} 需要一个值"),
            ErrorKind::InvalidValue => format!("{arg} 的值“{value}”无效"),
            ErrorKind::UnknownArgument => format!("无法识别的参数“{arg}”"),
            ErrorKind::InvalidSubcommand => format!(
                "无法识别的命令“{}”",
                text(get(ContextKind::InvalidSubcommand))
            ),
            ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
            ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
            ErrorKind::ArgumentConflict => {
                format!("{arg} 不能与 {} 同时使用", text(get(ContextKind::PriorArg)))
            }
            ErrorKind::NoEquals => format!("{arg} 的值须用 = 连接"),
            ErrorKind::ValueValidation => format!("{arg} 的值“{value}”无效"),
            ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
                format!("{arg} 的值的个数不对")
            }
            ErrorKind::TooFewValues => format!("{arg} 的值不够"),
            ErrorKind::InvalidUtf8 => "参数不是有效的 UTF-8 文字".to_string(),
            // Anything else: clap's English words rather than nothing.
            other => other.as_str().unwrap_or("参数错误").to_string(),
        });
        let valid = text(get(ContextKind::ValidValue));
        if !valid.is_empty() {
            out.push_str(&format!("\n  可选值：{valid}"));
        }
        let suggested = [
            ContextKind::SuggestedArg,
            ContextKind::SuggestedValue,
            ContextKind::SuggestedSubcommand,
        ]
        .into_iter()
        .map(|k| text(get(k)))
        .find(|s| !s.is_empty());
        if let Some(s) = suggested {
            out.push_str(&format!("\n  您是否想输入“{s}”？"));
        }
        let usage = text(get(ContextKind::Usage));
        if !usage.is_empty() {
            let usage = usage.trim().trim_start_matches("Usage:").trim();
            out.push_str(&format!("\n\n用法：{usage}"));
        }
        out.push_str("\n\n加 --help 查看帮助。\n");
        StyledStr::from(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(c: &Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        let args = c
            .get_arguments()
            .filter(|a| path.is_empty() || !a.is_global_set())
            .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
            .map(|a| a.get_id().as_str().to_string())
            .collect();
        out.push((path.to_string(), args));
        for s in c.get_subcommands() {
            let p = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path} {}", s.get_name())
            };
            paths(s, &p, out);
        }
    }

    #[test]
    fn every_command_and_argument_has_chinese_help_and_every_entry_names_one() {
        let root = <crate::Cli as clap::CommandFactory>::command();
        let mut all = Vec::new();
        paths(&root, "", &mut all);
        for (path, args) in &all {
            if !path.is_empty() {
                assert!(command_zh(path).is_some(), "`{path}` has no Chinese help");
            }
            for a in args {
                assert!(
                    arg_zh(path, a).is_some(),
                    "`{path} --{a}` has no Chinese help"
                );
            }
        }
        // `serve` is a command only with the `serve` feature.
        let built = |p: &str| cfg!(feature = "serve") || !p.starts_with("serve");
        for (p, _) in COMMANDS.iter().filter(|(p, _)| built(p)) {
            assert!(all.iter().any(|(q, _)| q == p), "`{p}` is no command");
        }
        for (p, a, _) in ARGS.iter().filter(|(p, _, _)| built(p)) {
            assert!(
                all.iter()
                    .any(|(q, args)| q == p && args.iter().any(|x| x == a)),
                "`{p} --{a}` is no argument"
            );
        }
    }
}
